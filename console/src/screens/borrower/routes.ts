import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/borrowers/:id",
    name: "borrower",
    component: () => import("./BorrowerScreen.vue"),
    props: true,
    meta: { titleKey: "borrower.title", roles: ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN"] },
  },
];

export default routes;
