/**
 * `tokenize`: prints the WordPiece ids of each line of a text file, separated by single
 * spaces, one output line per input line (no [CLS]/[SEP]). The input is streamed through the
 * corpus line decoder (UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK; lines end at
 * \n, \r\n or \r); a bad byte stops it with an error naming the file and byte offset, after
 * every line before it has been printed.
 */
import { defineCommand } from '../command.ts';
import { openFile } from '../files.ts';
import { BertTokenizer } from '../../core/tokenizer/bertTokenizer.ts';
import { decodeLineBlocks } from '../../core/corpus/decodeLines.ts';

/** Buffered writes to stdout that wait when the pipe is full. */
class OutputBuffer {
  private parts: string[] = [];
  private size = 0;
  async add(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!process.stdout.write(chunk)) {
      await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    }
  }
}

const command = defineCommand({
  description:
    'Print the WordPiece token ids of every line of --input_file, separated by single spaces,\n' +
    'one output line per input line, without [CLS]/[SEP]; BERT basic tokenizer + WordPiece over --vocab_file.',
  flags: {
    vocab_file: { type: 'string', required: true, help: 'vocab.txt of the BERT model (one token per line)' },
    input_file: {
      type: 'string',
      required: true,
      help: 'text file to tokenize, one line at a time (UTF-8, UTF-16 with BOM or GB18030/GBK, detected)',
    },
    do_lower_case: {
      type: 'bool',
      default: true,
      help: 'lower-case and strip accents (true for Chinese BERT / RoBERTa-wwm)',
    },
  },
  async run(flags) {
    const vocabPath = flags.vocab_file;
    const inputPath = flags.input_file;
    const vocabText = await (await openFile(vocabPath)).text();
    const tokenizer = BertTokenizer.fromVocabText(vocabText, {
      doLowerCase: flags.do_lower_case,
      source: vocabPath,
    });
    const input = await openFile(inputPath);
    const out = new OutputBuffer();
    try {
      for await (const block of decodeLineBlocks(input, { name: inputPath })) {
        for (const line of block.lines) await out.add(tokenizer.encode(line).join(' ') + '\n');
      }
    } finally {
      await out.flush();
    }
  },
});

export default command;
