import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// served by the app at /console (app.py); `npm run dev` proxies the API to a local server
export default defineConfig({
  base: "/console/",
  plugins: [vue()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
});
