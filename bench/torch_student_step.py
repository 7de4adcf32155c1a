"""The peer of the engine bench's student step, in PyTorch on the same CPU.

The same model and step as bench/engineBench.ts's student row: a BERT encoder
(post-LN, exact GELU, dropout 0.1) with word/position/token-type embeddings,
the MLM head (transform + LayerNorm + decoder tied to the word embeddings)
at P masked positions, the seed loss (CE + cosine on the teacher's top-k,
weighted mean over slots), global-norm clipping at 1.0 and an AdamW update.
Random weights and data: speed does not depend on them.

Usage: python3 bench/torch_student_step.py '{"layers":3,"hidden":768,"heads":12,
  "intermediate":3072,"vocab":21128,"batch":8,"seq":128,"positions":20,"k":128,"steps":3}'
"threads" (optional) defaults to 1, as tfjs-wasm in Node.
Prints one JSON line: msPerStep, examplesPerSec, threads, torch version.
"""

import json
import sys
import time

import torch
from torch import nn


class Student(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden"]
        self.word = nn.Embedding(c["vocab"], h)
        self.position = nn.Embedding(512, h)
        self.token_type = nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        layer = nn.TransformerEncoderLayer(
            h, c["heads"], c["intermediate"], dropout=0.1, activation="gelu", batch_first=True, layer_norm_eps=1e-12
        )
        self.encoder = nn.TransformerEncoder(layer, c["layers"], enable_nested_tensor=False)
        self.transform = nn.Linear(h, h)
        self.head_ln = nn.LayerNorm(h, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(c["vocab"]))

    def forward(self, ids, types, mask, positions):
        b, s = ids.shape
        pos = torch.arange(s).unsqueeze(0)
        x = self.drop(self.ln(self.word(ids) + self.position(pos) + self.token_type(types)))
        x = self.encoder(x, src_key_padding_mask=mask == 0)
        picked = torch.gather(x, 1, positions.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        t = self.head_ln(nn.functional.gelu(self.transform(picked)))
        return t @ self.word.weight.t() + self.bias


def seed_loss(logits, probs, ids, w):
    logq = torch.gather(torch.log_softmax(logits, -1), -1, ids)
    denom = w.sum() + 1e-5
    ce = (-(probs * logq).sum(-1) * w).sum() / denom
    q = logq.exp()
    cos = nn.functional.cosine_similarity(probs, q, dim=-1, eps=1e-12)
    return ce + ((1 - cos) * w).sum() / denom


def main():
    c = json.loads(sys.argv[1])
    # One thread by default, as tfjs-wasm runs in Node (no wasm threads there). With OpenMP's
    # spinning barriers, two threads on a busy 2-core machine ran 30x slower than one.
    torch.set_num_threads(int(c.get("threads") or 1))
    torch.manual_seed(0)
    model = Student(c)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.01)
    b, s, p, k, v = c["batch"], c["seq"], c["positions"], c["k"], c["vocab"]
    ids = torch.randint(0, v, (b, s))
    types = torch.zeros(b, s, dtype=torch.long)
    mask = torch.ones(b, s, dtype=torch.long)
    positions = torch.randint(0, s, (b, p))
    probs = 0.5 ** torch.arange(1, k + 1, dtype=torch.float32).expand(b, p, k)
    tids = torch.randint(0, v, (b, p, k))
    w = torch.ones(b, p)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = seed_loss(model(ids, types, mask, positions), probs, tids, w)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()  # one read per step, as the engine's

    step()
    step()
    t0 = time.perf_counter()
    for _ in range(c["steps"]):
        step()
    ms = (time.perf_counter() - t0) * 1000 / c["steps"]
    print(
        json.dumps(
            {
                "msPerStep": ms,
                "examplesPerSec": b * 1000 / ms,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
