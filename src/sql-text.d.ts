/** SQL files under schema/ are bundled as text (esbuild loader "text", and a vitest transform). */
declare module "*.sql" {
  const text: string;
  export default text;
}
