// Greedy generation with transformers.js on a local ONNX folder exported by `smelt convert onnx`.
// usage: node tjs-generate.mjs <node_modules dir> <model dir> <dtype> <comma-separated prompt ids> <new tokens>
// prints one JSON line: {"ids": [...new token ids...], "model_class": "..."}
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, dir, dtype, idList, count] = process.argv.slice(2);
const require = createRequire(join(modules, 'resolve.js'));
const tjs = await import(pathToFileURL(require.resolve('@huggingface/transformers')).href);
tjs.env.allowRemoteModels = false;
tjs.env.localModelPath = dirname(dir) + '/';
const model = await tjs.AutoModelForCausalLM.from_pretrained(basename(dir), { dtype, device: 'cpu' });
const ids = idList.split(',').map((s) => BigInt(s));
const n = Number(count);
const input_ids = new tjs.Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
const attention_mask = new tjs.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
const out = await model.generate({ input_ids, attention_mask, max_new_tokens: n, min_new_tokens: n, do_sample: false });
const all = out.tolist()[0].map((x) => Number(x));
process.stdout.write(JSON.stringify({ ids: all.slice(ids.length), model_class: model.constructor.name }) + '\n');
