// Canvas colours from JupyterLab's CSS variables, so charts follow the light and dark
// themes; plain defaults where the variables are absent (a notebook rendered elsewhere).
export const PALETTE = ["#2a7ae2", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#008080", "#f032e6", "#808000"];

export interface Ink {
  text: string;
  muted: string;
  grid: string;
  font: string;
}

export function ink(el: Element): Ink {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v("--jp-ui-font-color1", "#222"),
    muted: v("--jp-ui-font-color2", "#666"),
    grid: v("--jp-border-color2", "#ddd"),
    font: v("--jp-ui-font-family", "sans-serif"),
  };
}
