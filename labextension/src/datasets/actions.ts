import { Studio } from "../studio";

export async function registerFolder(_studio: Studio, _path?: string): Promise<void> {}
export async function uploadZip(_studio: Studio): Promise<void> {}
