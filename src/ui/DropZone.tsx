/** A drop zone that also offers a keyboard-reachable file (or folder) picker. */
import { useId, useState, type DragEvent, type ReactNode } from 'react';

async function filesFromDrop(ev: DragEvent): Promise<File[]> {
  const items = [...ev.dataTransfer.items];
  const entries = items.map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0 || entries.every((e) => e.isFile)) return [...ev.dataTransfer.files];
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      // keep where the file was in the dropped folder, as the folder picker does (webkitRelativePath)
      Object.defineProperty(file, 'webkitRelativePath', { value: entry.fullPath.replace(/^\//, '') });
      out.push(file);
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

export function DropZone(props: {
  label: string;
  hint: string;
  accept?: string;
  folder?: boolean;
  testId: string;
  onFiles(files: File[]): void;
  children?: ReactNode;
}) {
  const id = useId();
  const folderId = useId();
  const [over, setOver] = useState(false);
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid={`${props.testId}-zone`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void filesFromDrop(e).then(props.onFiles);
      }}
    >
      <p>{props.hint}</p>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="file"
        multiple
        accept={props.accept}
        data-testid={`${props.testId}-input`}
        onChange={(e) => {
          props.onFiles([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
      />
      {props.folder && (
        <>
          <label htmlFor={folderId}>or a folder</label>
          <input
            id={folderId}
            type="file"
            data-testid={`${props.testId}-folder`}
            {...({ webkitdirectory: '' } as Record<string, string>)}
            onChange={(e) => {
              props.onFiles([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
        </>
      )}
      {props.children}
    </div>
  );
}
