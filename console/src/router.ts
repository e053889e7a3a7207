// Routes: each screen registers itself in `screens/<screen>/routes.ts` (collected here).
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { hasRole, isSignedIn, session, type Role } from "./api/session";
import { locale, t } from "./i18n";
import { watch } from "vue";

declare module "vue-router" {
  interface RouteMeta {
    /** i18n key of the page title (and of the nav entry) */
    titleKey?: string;
    /** roles that may open it; absent: every signed-in staff member */
    roles?: Role[];
    /** reachable signed out (sign-in) */
    public?: boolean;
    /** listed in the navigation (default: when the path has no parameters) */
    nav?: boolean;
    /** position in the navigation (lower first; default 100) */
    order?: number;
  }
}

const modules = import.meta.glob<{ default: RouteRecordRaw[] }>("./screens/*/routes.ts", { eager: true });
export const screenRoutes: RouteRecordRaw[] = Object.values(modules).flatMap((m) => m.default);

/** Navigation entries the signed-in role may open, in order. */
export function navRoutes(): RouteRecordRaw[] {
  return screenRoutes
    .filter((r) => {
      const m = r.meta ?? {};
      if (m.public) return false;
      if (m.nav === false || (m.nav === undefined && r.path.includes(":"))) return false;
      if (!r.name || !m.titleKey) return false;
      return !m.roles || hasRole(...m.roles);
    })
    .sort((a, b) => (a.meta?.order ?? 100) - (b.meta?.order ?? 100));
}

const router = createRouter({
  history: createWebHistory("/console/"),
  routes: [
    ...screenRoutes,
    {
      path: "/:pathMatch(.*)*",
      name: "not-found",
      component: () => import("./components/NotFound.vue"),
      meta: { titleKey: "app.notFound", nav: false },
    },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!isSignedIn()) {
    return { name: "signin", query: to.fullPath !== "/" ? { next: to.fullPath } : {} };
  }
  if (to.meta.roles && !hasRole(...to.meta.roles)) {
    return { name: "forbidden", query: { from: to.fullPath } };
  }
  return true;
});

function setTitle(): void {
  const key = router.currentRoute.value.meta.titleKey;
  document.title = key ? `${t(key)} · ${t("app.title")}` : t("app.title");
}
router.afterEach(setTitle);
watch(locale, setTitle);

// signed out elsewhere (sign-out, a refused refresh): back to the sign-in screen
watch(
  () => session.token,
  (token) => {
    const route = router.currentRoute.value;
    if (!token && !route.meta.public && route.name !== undefined) {
      void router.replace({ name: "signin", query: { next: route.fullPath } });
    }
  },
);

export default router;
