import { open } from 'node:fs/promises';

/**
 * A file's bytes, refusing one longer than `max` bytes without reading it all (it would be refused
 * anyway; a huge or endless file must not cost memory). `tooLarge` makes the typed error.
 */
export async function readFileBounded(path: string, max: number, tooLarge: () => Error): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) throw tooLarge();
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
