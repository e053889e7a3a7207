import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/guarantees",
    alias: "/guarantor",
    name: "guarantor",
    component: () => import("./GuarantorScreen.vue"),
    meta: { titleKey: "guarantor.title", roles: ["GUARANTOR", "LOAN_OFFICER", "RISK_MANAGER"], order: 70 },
  },
];

export default routes;
