/**
 * The runs table: each run's name and notes (editable, kept across reloads), its hyperparameters,
 * data and best / last metrics, one colour per run (the charts'); ticked runs are compared side by
 * side with the config and data fields that differ highlighted.
 */
import { memo, useState } from 'react';
import { renameRun, setRunNotes, toggleCompareRun } from '../store/runs.ts';
import { differingFields, RUN_FIELDS, type RunRow } from '../store/runTable.ts';

const GROUP_TITLES = { config: 'Config', data: 'Data', metrics: 'Metrics' } as const;

/** A run's name, edited in place: saved on Enter or when the field loses focus; a blank name is refused. */
function RunName(props: { row: RunRow }) {
  const { row } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (draft === null) return;
    const problem = renameRun(row.id, draft);
    setError(problem);
    if (!problem) setDraft(null);
  };
  return (
    <>
      <input
        className="run-name"
        aria-label={`Name of ${row.name}`}
        data-testid="run-name"
        value={draft ?? row.name}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') {
            setDraft(null);
            setError(null);
          }
        }}
      />
      {error && (
        <span className="error" role="alert" data-testid="run-name-error">
          {error}; the run keeps the name “{row.name}”.
        </span>
      )}
    </>
  );
}

function Swatch(props: { color: string }) {
  return <span className="swatch" style={{ background: props.color }} aria-hidden="true" />;
}

export const RunsTable = memo(function RunsTable(props: { rows: RunRow[]; compareIds: string[] }) {
  const { rows, compareIds } = props;
  const compared = compareIds.map((id) => rows.find((r) => r.id === id)).filter((r): r is RunRow => !!r);
  const differs = differingFields(compared);
  if (rows.length === 0) return null;
  return (
    <div data-testid="runs-table">
      <h3>Runs</h3>
      <div className="table-scroll">
        <table className="results runs">
          <thead>
            <tr>
              <th>compare</th>
              <th>run and notes</th>
              <th>status</th>
              {RUN_FIELDS.map((f) => (
                <th key={f.key} className={`group-${f.group}`}>
                  {f.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid="run-row" data-run-id={row.id} data-run-name={row.name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${row.name}`}
                    data-testid="compare-run"
                    checked={compareIds.includes(row.id)}
                    onChange={() => toggleCompareRun(row.id)}
                  />
                </td>
                <td className="run-cell">
                  <Swatch color={row.color} />
                  <RunName row={row} />
                  <textarea
                    className="run-notes"
                    aria-label={`Notes on ${row.name}`}
                    data-testid="run-notes"
                    placeholder="notes"
                    rows={1}
                    value={row.notes}
                    onChange={(e) => setRunNotes(row.id, e.target.value)}
                  />
                </td>
                <td>{row.status}</td>
                {RUN_FIELDS.map((f) => (
                  <td key={f.key} data-field={f.key}>
                    {row.values[f.key]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {compared.length === 1 && <p className="note">Tick another run to compare it with {compared[0].name}.</p>}
      {compared.length >= 2 && (
        <div className="table-scroll">
          <table className="results compare" data-testid="run-compare">
            <caption>
              {compared.length} runs side by side:{' '}
              {differs.size === 0
                ? 'same config and data'
                : `${differs.size} field${differs.size === 1 ? ' differs' : 's differ'} (highlighted)`}
            </caption>
            <thead>
              <tr>
                <th>field</th>
                {compared.map((r) => (
                  <th key={r.id} data-run-id={r.id}>
                    <Swatch color={r.color} /> {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {(['config', 'data', 'metrics'] as const).map((group) => [
                <tr key={group} className="group">
                  <th colSpan={compared.length + 1}>{GROUP_TITLES[group]}</th>
                </tr>,
                ...RUN_FIELDS.filter((f) => f.group === group).map((f) => (
                  <tr
                    key={f.key}
                    data-testid="compare-field"
                    data-field={f.key}
                    data-differs={differs.has(f.key) ? 'yes' : 'no'}
                    className={differs.has(f.key) ? 'differs' : undefined}
                  >
                    <th scope="row">{f.label}</th>
                    {compared.map((r) => (
                      <td key={r.id}>{r.values[f.key]}</td>
                    ))}
                  </tr>
                )),
              ])}
              <tr data-field="notes">
                <th scope="row">notes</th>
                {compared.map((r) => (
                  <td key={r.id}>{r.notes}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
});
