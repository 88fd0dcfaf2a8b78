import { Studio } from "../studio";

export async function uploadWeight(_studio: Studio): Promise<void> {}
