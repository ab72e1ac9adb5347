/** Every page of one recalled output, joined (each page is a header line, then its text): the original, byte for byte. */
export async function recallWhole(execute: (args: { id: string; offset: number }) => Promise<unknown>, id: string): Promise<string> {
  let whole = "";
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const page: string = String(await execute({ id, offset }));
    const newline = page.indexOf("\n");
    if (!page.startsWith(`[recall ${id}:`)) throw new Error(`recall ${id} failed: ${page.slice(0, 300)}`);
    whole += newline < 0 ? "" : page.slice(newline + 1);
    const next: string | undefined = page.slice(0, newline < 0 ? undefined : newline).match(/"offset":(\d+)/)?.[1];
    offset = next === undefined ? undefined : Number(next);
  }
  return whole;
}
