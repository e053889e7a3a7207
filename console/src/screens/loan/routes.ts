import type { RouteRecordRaw } from "vue-router";
import type { Role } from "../../api/session";

const STAFF: Role[] = ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN"];

const routes: RouteRecordRaw[] = [
  {
    path: "/loans",
    name: "loans",
    component: () => import("./LoanIndex.vue"),
    meta: { titleKey: "loan.listTitle", roles: STAFF, order: 40 },
  },
  {
    path: "/loans/:id",
    alias: "/loan/:id",
    name: "loan",
    component: () => import("./LoanScreen.vue"),
    props: true,
    meta: { titleKey: "loan.title", roles: STAFF },
  },
];

export default routes;
