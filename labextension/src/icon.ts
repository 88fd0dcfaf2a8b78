import { LabIcon } from "@jupyterlab/ui-components";

// An eye in a frame: seeing images, drawn in the theme's icon colour.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161">
<path d="M3 3h6v2H5v4H3V3zm12 0h6v6h-2V5h-4V3zM3 15h2v4h4v2H3v-6zm16 0h2v6h-6v-2h4v-4z"/>
<path d="M12 7c-3.6 0-6.4 2.4-7.5 5 1.1 2.6 3.9 5 7.5 5s6.4-2.4 7.5-5c-1.1-2.6-3.9-5-7.5-5zm0 8.2a3.2 3.2 0 1 1 0-6.4 3.2 3.2 0 0 1 0 6.4zm0-4.7a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/>
</g></svg>`;

export const studioIcon = new LabIcon({ name: "cvstudio:icon", svgstr: svg });
