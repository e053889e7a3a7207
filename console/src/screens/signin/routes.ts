import type { RouteRecordRaw } from "vue-router";

const routes: RouteRecordRaw[] = [
  {
    path: "/signin",
    name: "signin",
    component: () => import("./SignInScreen.vue"),
    meta: { titleKey: "signin.title", public: true, nav: false },
  },
];
export default routes;
