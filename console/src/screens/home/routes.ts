import type { RouteRecordRaw } from "vue-router";
import { navRoutes } from "../../router";

// "/" opens the first screen the role may use; /forbidden says when a role may not
const routes: RouteRecordRaw[] = [
  {
    path: "/",
    name: "home",
    component: () => import("./HomeScreen.vue"),
    meta: { titleKey: "app.title", nav: false },
    beforeEnter: () => {
      const first = navRoutes()[0];
      return first?.name ? { name: first.name } : true;
    },
  },
  {
    path: "/forbidden",
    name: "forbidden",
    component: () => import("./ForbiddenScreen.vue"),
    meta: { titleKey: "app.forbidden", nav: false },
  },
];
export default routes;
