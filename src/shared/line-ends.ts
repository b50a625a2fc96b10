// Where a line of text ends, one rule for every reader of lines: '\n', '\r' and '\r\n' each end
// one, as in Hadoop's LineReader (textFile) and Java's BufferedReader.readLine (Spark's pipe
// and socketTextStream read lines with it). '\r\n' is one line end, never a line end and an
// empty line, even when a chunk of a stream ends between its two characters. Used by
// textFile's readers (workers/text-file.ts, compressed-text.ts), rdd.pipe's output
// (workers/pipe.ts) and socketTextStream (streaming/input-dstreams.ts).

const LINE_END = /\r\n|\r|\n/;

/** The lines of `text`, which stops where a line ends (its last line end not included). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  // '\r\n' files split on '\n' and lose each line's last '\r' (a regex split is ~2x slower);
  // any other '\r' is a line end of its own: the text is split again on all three.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const cr = line.indexOf('\r');
    if (cr === -1) continue;
    if (cr !== line.length - 1 || i === lines.length - 1) return text.split(LINE_END);
    lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** The lines of a whole text: a line end at its very end starts no empty last line. */
export function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = splitLines(text);
  if (endsLine(text)) lines.pop();
  return lines;
}

function endsLine(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 0x0a || last === 0x0d;
}

/**
 * The lines of a text that arrives in chunks: each push gives the lines the chunk completes.
 * A chunk ending in '\r' leaves that line pending, since a '\n' starting the next chunk belongs
 * to the same line end; end() gives the last line, which may have no line end.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    let end = lastLineEnd(text);
    if (end === text.length - 1 && text[end] === '\r') end = lastLineEnd(text, end - 1);
    if (end === -1) {
      this.rest = text;
      return [];
    }
    this.rest = text.slice(end + 1);
    // A '\r\n' is cut before its '\r': splitLines takes the text up to its last line end.
    const cut = text[end] === '\n' && text[end - 1] === '\r' ? end - 1 : end;
    return splitLines(text.slice(0, cut));
  }

  /** The text after the last line end (a last line without one, or a pending '\r''s line). */
  end(): string[] {
    const lines = linesOf(this.rest);
    this.rest = '';
    return lines;
  }
}

/** The index of the last '\n' or '\r' at or before `from`, or -1. */
function lastLineEnd(text: string, from = text.length - 1): number {
  if (from < 0) return -1;
  return Math.max(text.lastIndexOf('\n', from), text.lastIndexOf('\r', from));
}
