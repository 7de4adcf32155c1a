/**
 * A --bert_config_file read on its own (no checkpoint beside it): its JSON, with a clear error
 * naming the file, parsed in the convention its fields or name tell (configFileConvention: the
 * original scripts' bert_config.json is Google's, whose "gelu" is the tanh form).
 */
import { type BertConfig, configFileConvention, parseBertConfig } from '../core/model/config.ts';
import { openFile } from './files.ts';

export async function readBertConfigFile(file: string): Promise<BertConfig> {
  const text = await (await openFile(file)).text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseBertConfig(json, file, configFileConvention(file, json));
}
