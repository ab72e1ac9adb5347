/**
 * @module
 * Reads and rewrites a Bun 1.3 `--compile` standalone executable for linux (ELF64, little-endian).
 *
 * Bun keeps the embedded module graph in the ELF section `.bun`: a u64 byte count, then a blob that
 * ends with an offsets record and the trailer `\n---- Bun! ----\n`. The runtime reads the section
 * through a linker symbol at its fixed virtual address, so a rewrite must keep the section where it
 * is; it may only grow it. In the binaries this was written for, `.bun` is the last section of the
 * last load segment, so growing it moves only the non-loaded sections and the section headers that
 * follow it in the file.
 *
 * Layout of the blob (Bun's StandaloneModuleGraph): module contents and names anywhere in it, a
 * module table of 52-byte entries (six u32 offset/length pairs: name, contents, sourcemap, bytecode,
 * module info, bytecode origin path; then encoding, loader, module format, side as one byte each),
 * the exec argv string, then the 32-byte offsets record (u64 byte count, table pointer, u32 entry
 * point id, exec-argv pointer, u32 flags).
 */

export const BUN_TRAILER = "\n---- Bun! ----\n";
const OFFSETS_SIZE = 32;
const MODULE_ENTRY_SIZE = 52;
const ELF_HEADER_SIZE = 64;
const SECTION_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;
const PT_LOAD = 1;

/** The file is not an executable this module can read; `message` says what it is instead. */
export class ExecutableFormatError extends Error {
  override readonly name = "ExecutableFormatError";
}

export interface BunModule {
  /** As the runtime sees it, e.g. `/$bunfs/root/chunk-p1c43e92.js`. */
  readonly name: string;
  /** Index of the module's entry in the table. */
  readonly index: number;
  /** 0 binary, 1 latin1, 2 utf8 (Bun's encoding enum). */
  readonly encoding: number;
  /** Bun's loader enum; 1 is `js`. */
  readonly loader: number;
  readonly contents: Uint8Array;
}

interface SectionHeader {
  readonly index: number;
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly vaddr: number;
}

export interface BunExecutable {
  readonly bytes: Uint8Array;
  readonly modules: readonly BunModule[];
  /** The argv Bun prepends at start (opencode: `--user-agent=opencode/<version> ...`). */
  readonly execArgv: string;
  readonly section: SectionHeader;
  readonly blob: Uint8Array;
  readonly tableOffset: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv: DataView, at: number): number {
  const value = dv.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ExecutableFormatError(`ELF field at ${at} out of range`);
  return Number(value);
}

function cString(bytes: Uint8Array, at: number): string {
  let end = at;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder("latin1").decode(bytes.subarray(at, end));
}

function sectionHeaders(bytes: Uint8Array): SectionHeader[] {
  const dv = view(bytes);
  const shoff = u64(dv, 40);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);
  if (shnum === 0 || shoff + shnum * SECTION_HEADER_SIZE > bytes.length || shstrndx >= shnum) {
    throw new ExecutableFormatError("ELF section header table is missing or truncated");
  }
  const at = (i: number) => shoff + i * SECTION_HEADER_SIZE;
  const strtab = u64(dv, at(shstrndx) + 24);
  return Array.from({ length: shnum }, (_, index) => ({
    index,
    name: cString(bytes, strtab + dv.getUint32(at(index), true)),
    vaddr: u64(dv, at(index) + 16),
    offset: u64(dv, at(index) + 24),
    size: u64(dv, at(index) + 32),
  }));
}

function readModules(blob: Uint8Array, tableOffset: number, tableLength: number): BunModule[] {
  const dv = view(blob);
  const slice = (at: number) => {
    const offset = dv.getUint32(at, true);
    const length = dv.getUint32(at + 4, true);
    if (offset + length > blob.length) throw new ExecutableFormatError("a module points outside the module graph");
    return blob.subarray(offset, offset + length);
  };
  return Array.from({ length: tableLength / MODULE_ENTRY_SIZE }, (_, index) => {
    const entry = tableOffset + index * MODULE_ENTRY_SIZE;
    return {
      index,
      name: new TextDecoder().decode(slice(entry)),
      contents: slice(entry + 8),
      encoding: blob[entry + 48] ?? 0,
      loader: blob[entry + 49] ?? 0,
    };
  });
}

/** Parses an executable; throws ExecutableFormatError naming what is wrong when it is not one. */
export function readBunExecutable(bytes: Uint8Array): BunExecutable {
  if (bytes.length < ELF_HEADER_SIZE || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ExecutableFormatError("not an ELF executable (linux); only linux builds of opencode can be patched");
  }
  if (bytes[4] !== 2 || bytes[5] !== 1) throw new ExecutableFormatError("not a 64-bit little-endian ELF executable");
  const section = sectionHeaders(bytes).find((s) => s.name === ".bun");
  if (!section) throw new ExecutableFormatError("ELF executable without a .bun section: not built with `bun build --compile`");
  if (section.offset + section.size > bytes.length || section.size < 8 + OFFSETS_SIZE + BUN_TRAILER.length) {
    throw new ExecutableFormatError(".bun section is truncated");
  }
  const dv = view(bytes);
  const blobLength = u64(dv, section.offset);
  if (blobLength + 8 > section.size) throw new ExecutableFormatError(".bun section holds no module graph (a bare Bun runtime?)");
  const blob = bytes.subarray(section.offset + 8, section.offset + 8 + blobLength);
  const trailer = new TextDecoder("latin1").decode(blob.subarray(blob.length - BUN_TRAILER.length));
  if (trailer !== BUN_TRAILER) throw new ExecutableFormatError(".bun section does not end with Bun's module graph trailer");
  const record = view(blob);
  const at = blob.length - BUN_TRAILER.length - OFFSETS_SIZE;
  const tableOffset = record.getUint32(at + 8, true);
  const tableLength = record.getUint32(at + 12, true);
  if (tableLength % MODULE_ENTRY_SIZE !== 0 || tableOffset + tableLength > at) {
    throw new ExecutableFormatError("the module table of the .bun section is malformed");
  }
  const argvOffset = record.getUint32(at + 20, true);
  const argvLength = record.getUint32(at + 24, true);
  const execArgv = new TextDecoder().decode(blob.subarray(argvOffset, argvOffset + argvLength));
  return { bytes, modules: readModules(blob, tableOffset, tableLength), execArgv, section, blob, tableOffset };
}

/** The blob with the replaced modules' contents appended and a new table pointing at them. */
function rewriteBlob(exe: BunExecutable, replaced: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const { blob, tableOffset } = exe;
  // Everything before the offsets record (contents, names, table, exec argv) is kept as it is.
  const recordAt = blob.length - BUN_TRAILER.length - OFFSETS_SIZE;
  const tableLength = exe.modules.length * MODULE_ENTRY_SIZE;
  // New contents (each NUL-terminated, as Bun writes them) go after the old data; the old table and
  // old contents stay in place unreferenced, so every other pointer in the blob keeps its meaning.
  let size = recordAt;
  const placed = [...replaced].map(([index, contents]) => {
    const at = size;
    size += contents.length + 1;
    return { index, contents, at };
  });
  const newTable = size;
  size += tableLength;
  const out = new Uint8Array(size + OFFSETS_SIZE + BUN_TRAILER.length);
  out.set(blob.subarray(0, recordAt));
  out.set(blob.subarray(tableOffset, tableOffset + tableLength), newTable);
  const dv = view(out);
  for (const { index, contents, at } of placed) {
    out.set(contents, at);
    const entry = newTable + index * MODULE_ENTRY_SIZE;
    dv.setUint32(entry + 8, at, true);
    dv.setUint32(entry + 12, contents.length, true);
  }
  out.set(blob.subarray(recordAt, recordAt + OFFSETS_SIZE), size);
  dv.setBigUint64(size, BigInt(size), true);
  dv.setUint32(size + 8, newTable, true);
  dv.setUint32(size + 12, tableLength, true);
  out.set(new TextEncoder().encode(BUN_TRAILER), size + OFFSETS_SIZE);
  return out;
}

/** The load segment that ends the file's mapped image and contains `.bun`; throws if `.bun` is not its tail. */
function segmentHolding(bytes: Uint8Array, section: SectionHeader): { header: number; offset: number; filesz: number } {
  const dv = view(bytes);
  const phoff = u64(dv, 32);
  const phnum = dv.getUint16(56, true);
  let found: { header: number; offset: number; filesz: number } | undefined;
  let lastEnd = 0;
  for (let i = 0; i < phnum; i++) {
    const header = phoff + i * PROGRAM_HEADER_SIZE;
    if (dv.getUint32(header, true) !== PT_LOAD) continue;
    const offset = u64(dv, header + 8);
    const vaddr = u64(dv, header + 16);
    const filesz = u64(dv, header + 32);
    lastEnd = Math.max(lastEnd, offset + filesz);
    if (section.vaddr >= vaddr && section.vaddr < vaddr + filesz) found = { header, offset, filesz };
  }
  if (!found || found.offset + found.filesz !== lastEnd) {
    throw new ExecutableFormatError(".bun is not in the last load segment: this executable layout cannot be grown");
  }
  const sectionEnd = section.offset + section.size;
  const laterLoaded = sectionHeaders(bytes).some((s) => s.vaddr !== 0 && s.offset >= sectionEnd && s.offset < found.offset + found.filesz && s.size > 0);
  if (laterLoaded) throw new ExecutableFormatError(".bun is not the last section of its load segment");
  return found;
}

/**
 * A new executable: `exe` with the given modules' contents replaced (by module index). The input
 * bytes are not modified.
 */
export function writeBunExecutable(exe: BunExecutable, replaced: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const { bytes, section } = exe;
  const segment = segmentHolding(bytes, section);
  const blob = rewriteBlob(exe, replaced);
  const newSectionSize = 8 + blob.length;
  const oldTail = segment.offset + segment.filesz;
  // Whatever follows the segment in the file moves by a multiple of the segment's alignment, so
  // every later section keeps its alignment.
  const align = 0x4000;
  const needed = section.offset + newSectionSize;
  const newTail = Math.max(oldTail, Math.ceil(needed / align) * align);
  const shift = newTail - oldTail;
  const out = new Uint8Array(bytes.length + shift);
  out.set(bytes.subarray(0, section.offset));
  out.set(bytes.subarray(oldTail), newTail);
  const dv = view(out);
  dv.setBigUint64(section.offset, BigInt(blob.length), true);
  out.set(blob, section.offset + 8);

  const filesz = u64(dv, segment.header + 32);
  const memsz = u64(dv, segment.header + 40);
  dv.setBigUint64(segment.header + 32, BigInt(filesz + shift), true);
  dv.setBigUint64(segment.header + 40, BigInt(memsz + shift), true);

  const shoff = u64(dv, 40);
  const newShoff = shoff >= oldTail ? shoff + shift : shoff;
  dv.setBigUint64(40, BigInt(newShoff), true);
  const shnum = dv.getUint16(60, true);
  for (let i = 0; i < shnum; i++) {
    const header = newShoff + i * SECTION_HEADER_SIZE;
    const offset = u64(dv, header + 24);
    if (i === section.index) dv.setBigUint64(header + 32, BigInt(newSectionSize), true);
    else if (offset >= oldTail) dv.setBigUint64(header + 24, BigInt(offset + shift), true);
  }
  return out;
}
