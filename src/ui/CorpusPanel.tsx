/** Step 1: corpus files, their statistics, and a preview of tokens and whole words. */
import { addCorpusFiles, removeCorpus } from '../store/corpora.ts';
import { type CorpusEntry, useApp } from '../store/state.ts';
import { ErrorText, KeyValues, Progress, Section } from './common.tsx';
import { DropZone } from './DropZone.tsx';
import { formatBytes, formatCount } from './format.ts';

function Preview({ entry }: { entry: CorpusEntry }) {
  const p = entry.preview;
  if (!p) return null;
  return (
    <details className="preview">
      <summary>Preview</summary>
      {/* Corpus text is rendered as text nodes only, never as HTML. */}
      <pre className="corpus-text" data-testid="corpus-preview-text">
        {p.text}
      </pre>
      {p.note && <p className="note">{p.note}</p>}
      {p.tokens.length > 0 && (
        <p className="tokens" role="group" aria-label="WordPiece tokens" data-testid="corpus-preview-tokens">
          {p.tokens.map((t, i) => (
            <span key={i} className="tok">
              {t}
            </span>
          ))}
        </p>
      )}
      {p.words.length > 0 && (
        <p className="tokens" role="group" aria-label="Whole-word groups" data-testid="corpus-preview-words">
          {p.words.map((w, i) => (
            <span key={i} className="word">
              {w.map((t, j) => (
                <span key={j} className="tok">
                  {t}
                </span>
              ))}
            </span>
          ))}
        </p>
      )}
    </details>
  );
}

/** Tokens and [UNK] with the vocabulary that tokenizes corpora, and the most frequent unknown words. */
function Tokens({ entry }: { entry: CorpusEntry }) {
  const vocabName = useApp((s) => s.models.find((m) => m.id === entry.tokens?.vocabModelId)?.name);
  const t = entry.tokens;
  if (entry.tokensProgress) return <Progress progress={entry.tokensProgress} testId="corpus-tokens-progress" />;
  if (entry.tokensError) return <ErrorText testId="corpus-tokens-error" message={entry.tokensError} />;
  if (!t) return null;
  const share = t.tokens > 0 ? t.unknown / t.tokens : 0;
  return (
    <div data-testid="corpus-unk" data-unknown={t.unknown} data-tokens={t.tokens}>
      <KeyValues
        rows={[
          ['tokens', `${formatCount(t.tokens)} with ${vocabName ?? 'a removed vocabulary'}'s vocab.txt`],
          [
            '[UNK]',
            <span key="u" data-testid="corpus-unk-rate">
              {`${(share * 100).toFixed(share < 0.001 && share > 0 ? 3 : 2)}% (${formatCount(t.unknown)} tokens)`}
            </span>,
          ],
          [
            'most frequent unknown',
            t.topUnknown.length ? (
              <span key="w" data-testid="corpus-unk-top">
                {t.topUnknown.map((u) => `${u.text} ×${formatCount(u.count)}`).join(', ')}
              </span>
            ) : (
              'none'
            ),
          ],
          [
            'documents',
            `${formatCount(t.documents)} long enough for examples${t.skippedDocuments ? `, ${formatCount(t.skippedDocuments)} too short` : ''}`,
          ],
        ]}
      />
    </div>
  );
}

export function CorpusPanel() {
  const corpora = useApp((s) => s.corpora);
  const dropError = useApp((s) => s.dropError);
  return (
    <Section id="corpus" title="Corpus" step={1}>
      <DropZone
        label="Choose corpus files"
        hint="Drop .txt, .jsonl or .json corpus files here (UTF-8, UTF-16 or GB18030; many at once)."
        accept=".txt,.text,.jsonl,.json,.ndjson"
        testId="corpus"
        onFiles={(f) => void addCorpusFiles(f)}
      />
      <ErrorText testId="corpus-drop-error" message={dropError} />
      <ul className="entries">
        {corpora.map((c) => (
          <li key={c.id} data-testid="corpus-row" data-name={c.name} data-status={c.status}>
            <div className="entry-head">
              <strong>{c.name}</strong> <span className={`badge ${c.status}`}>{c.status}</span>
              <button type="button" onClick={() => void removeCorpus(c.id)} aria-label={`Remove ${c.name}`}>
                Remove
              </button>
            </div>
            <Progress progress={c.status === 'reading' ? c.progress : undefined} testId="corpus-progress" />
            <ErrorText testId="corpus-error" message={c.error} />
            {c.stats && (
              <KeyValues
                testId="corpus-stats"
                rows={[
                  ['size', formatBytes(c.stats.bytes)],
                  ['documents', formatCount(c.stats.documents)],
                  ['lines', formatCount(c.stats.lines)],
                  ['characters', formatCount(c.stats.characters)],
                  ['encoding', c.stats.encoding],
                  ['format', c.stats.format],
                ]}
              />
            )}
            <Tokens entry={c} />
            <Preview entry={c} />
          </li>
        ))}
      </ul>
    </Section>
  );
}
