// Messages: the shell's own (./common) merged with every screen's `screens/<screen>/messages.ts`.
import { ref, watch } from "vue";
import common from "./common";

export type Locale = "zh-CN" | "en";
export const LOCALES: readonly Locale[] = ["zh-CN", "en"];
type Tree = { [key: string]: string | Tree };
type Catalog = Partial<Record<Locale, Tree>>;

const LOCALE_KEY = "ipcredit.console.locale";

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    /* no storage */
  }
  return "zh-CN";
}

/** The current locale: zh-CN by default, English on the switch. */
export const locale = ref<Locale>(initialLocale());

function merge(into: Tree, from: Tree): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (typeof v === "object" && typeof cur === "object") merge(cur, v);
    else into[k] = typeof v === "object" ? JSON.parse(JSON.stringify(v)) : v;
  }
}

const messages: Record<Locale, Tree> = { "zh-CN": {}, en: {} };

function add(catalog: Catalog): void {
  for (const l of LOCALES) {
    const tree = catalog[l];
    if (tree) merge(messages[l], tree);
  }
}

add(common);
const screens = import.meta.glob<{ default: Catalog }>("../screens/*/messages.ts", { eager: true });
for (const mod of Object.values(screens)) add(mod.default);

function lookup(tree: Tree, key: string): string | undefined {
  let node: string | Tree | undefined = tree;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** The message for `key` ("queue.title") in the current locale, `{name}` filled from params;
 *  falls back to zh-CN, then to the key itself. */
export function t(key: string, params?: Record<string, string | number>): string {
  const text = lookup(messages[locale.value], key) ?? lookup(messages["zh-CN"], key) ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function setLocale(l: Locale): void {
  locale.value = l;
}

/** Numbers and money in the current locale. */
export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale.value, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale.value, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

watch(
  locale,
  (l) => {
    document.documentElement.lang = l;
    try {
      localStorage.setItem(LOCALE_KEY, l);
    } catch {
      /* no storage */
    }
  },
  { immediate: true },
);
