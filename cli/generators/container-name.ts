/** Container names kubectl derives from image references (`create deployment --image=...`). */
import { randomBytes } from "node:crypto";

/** `registry:5000/team/web-app:v2` -> `web-app`; `_` and `.` become `-` (a container name is a DNS label). */
export function containerNameForImage(image: string): string {
  let name = image.slice(image.lastIndexOf("/") + 1);
  if (name.includes(":")) name = name.slice(0, name.indexOf(":"));
  if (name.includes("@")) name = name.slice(0, name.indexOf("@"));
  return name.replace(/[_.]/g, "-");
}

/** Five random lower-case letters and digits, as kubectl's `utilrand.String(5)` for a repeated name. */
function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** One name per image; a name already taken gets `-xxxxx` appended, as kubectl does. */
export function containerNamesForImages(images: readonly string[]): string[] {
  const seen = new Set<string>();
  return images.map((image) => {
    let name = containerNameForImage(image);
    if (seen.has(name)) name = `${name}-${randomSuffix()}`;
    seen.add(name);
    return name;
  });
}
