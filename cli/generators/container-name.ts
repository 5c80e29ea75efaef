/** Container names kubectl derives from image references (`create deployment --image=...`). */
import { randomBytes } from "node:crypto";

/** Five random characters from kubectl's `utilrand.String` alphabet (no vowels: no words). */
function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join("");
}

/**
 * `registry:5000/team/web-app:v2` -> `web-app`. A name with `_` or `.` (not allowed in a
 * container name) gets them turned into `-` plus a random `-xxxxx`, as kubectl's
 * sanitizeAndUniquify does, so two sanitised names cannot collide.
 */
export function containerNameForImage(image: string): string {
  let name = image.slice(image.lastIndexOf("/") + 1);
  if (name.includes(":")) name = name.slice(0, name.indexOf(":"));
  if (name.includes("@")) name = name.slice(0, name.indexOf("@"));
  if (/[_.]/.test(name)) name = `${name.replace(/[_.]/g, "-")}-${randomSuffix()}`;
  return name;
}
