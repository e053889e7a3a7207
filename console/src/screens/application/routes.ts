import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/applications/:id",
    alias: "/application/:id",
    name: "application",
    component: () => import("./ApplicationScreen.vue"),
    props: true,
    meta: { titleKey: "application.title", roles: ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN"] },
  },
];

export default routes;
