import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/portfolio",
    name: "portfolio",
    component: () => import("./PortfolioScreen.vue"),
    meta: { titleKey: "portfolio.title", roles: ["LOAN_OFFICER", "RISK_MANAGER"], order: 50 },
  },
];

export default routes;
