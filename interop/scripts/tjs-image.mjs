// Image+text greedy generation with transformers.js on a local folder exported by `smelt convert onnx --image-text`
// (vision_encoder, embed_tokens, decoder_model_merged): AutoProcessor (the chat template with one image, then the
// image processor) and AutoModelForImageTextToText.
// usage: node tjs-image.mjs <node_modules dir> <model dir> <image file> <user text> <new tokens> [dtype, default fp32]
// prints one JSON line: {"ids": [...new token ids...], "prompt_ids": [...], "grid": [t, h, w], "model_class": "..."}
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [modules, dir, image, prompt, count, dtype = 'fp32'] = process.argv.slice(2);
const require = createRequire(join(modules, 'resolve.js'));
const tjs = await import(pathToFileURL(require.resolve('@huggingface/transformers')).href);
tjs.env.allowRemoteModels = false;
tjs.env.localModelPath = dirname(dir) + '/';
const id = basename(dir);
const processor = await tjs.AutoProcessor.from_pretrained(id);
const model = await tjs.AutoModelForImageTextToText.from_pretrained(id, { dtype });
const img = await tjs.RawImage.read(image);
const messages = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: prompt }] }];
const text = processor.apply_chat_template(messages, { add_generation_prompt: true });
const inputs = await processor(text, img);
const out = await model.generate({ ...inputs, max_new_tokens: Number(count), do_sample: false });
const n = inputs.input_ids.dims.at(-1);
const ids = Array.from(out.data).slice(n).map(Number);
console.log(JSON.stringify({ ids, prompt_ids: Array.from(inputs.input_ids.data).map(Number), grid: Array.from(inputs.image_grid_thw.data).map(Number), model_class: model.constructor.name }));
