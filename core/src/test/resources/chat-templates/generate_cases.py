# Usage (from core/): python3 src/test/resources/chat-templates/generate_cases.py src/main/resources/dev/smelt/core/chat src/test/resources/chat-templates/cases.json
# Needs jinja2 3.1.
# Generates core/src/test/resources/chat-templates/cases.json with Python Jinja2 configured like transformers'
# apply_chat_template (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, raise_exception, tojson).
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2.exceptions import TemplateError

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
root = sys.argv[1]
out_file = sys.argv[2]

def tmpl(name):
    return open(f"{root}/{name}.jinja").read()

tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather für a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                         "required": ["city"]}}}]
conv_basic = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
conv_multi = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\n4"},
    {"role": "user", "content": "And 3+3? 🙂 日本語"},
]
conv_multi_done = conv_multi + [{"role": "assistant", "content": "6", "reasoning_content": "  Add again.\n"}]
conv_nosys = [
    {"role": "user", "content": "  Tell me a joke.  "},
    {"role": "assistant", "content": "No."},
    {"role": "user", "content": "Please {{ not a tag }}"},
]
conv_tools = [
    {"role": "system", "content": "Use tools."},
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {"role": "assistant", "content": "Let me check.", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}},
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Rome", "flag": True, "tags": ["a", "b"]}}}]},
    {"role": "tool", "content": "{\"temp\": 21}"},
    {"role": "tool", "content": "{\"temp\": 25}"},
    {"role": "assistant", "content": "Paris 21, Rome 25."},
]
conv_parts = [
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]},
    {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
    {"role": "user", "content": [{"type": "video"}, {"type": "image_url", "image_url": "x"}, {"type": "text", "text": "And these?"}]},
]

cases = []
def case(name, template, messages, agp, extra=None):
    extra = extra or {}
    special = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
    try:
        out = env.from_string(tmpl(template)).render(messages=messages, add_generation_prompt=agp, **special, **extra)
        cases.append({"name": name, "template": template, "messages": messages, "add_generation_prompt": agp,
                      "variables": extra, "expected": out})
    except TemplateError as e:
        cases.append({"name": name, "template": template, "messages": messages, "add_generation_prompt": agp,
                      "variables": extra, "error": str(e)})

for t in ["qwen2_5", "qwen3", "qwen3_5"]:
    case(f"{t} basic", t, conv_basic, False)
    case(f"{t} basic + generation prompt", t, conv_basic[:1], True)
    case(f"{t} multi-turn with system", t, conv_multi, True)
    case(f"{t} multi-turn finished", t, conv_multi_done, False)
    case(f"{t} no system", t, conv_nosys, True)
    case(f"{t} thinking off", t, conv_multi, True, {"enable_thinking": False})
    case(f"{t} thinking on", t, conv_multi, True, {"enable_thinking": True})
    case(f"{t} tools", t, conv_tools, True, {"tools": tools})
case("qwen3_5 content parts", "qwen3_5", conv_parts, True)
case("qwen3_5 content parts with vision ids", "qwen3_5", conv_parts, True, {"add_vision_id": True})
case("qwen3_5 system after start", "qwen3_5", [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}], False)
case("qwen3_5 no user message", "qwen3_5", [{"role": "system", "content": "b"}], True)
json.dump(cases, open(out_file, "w"), ensure_ascii=False, indent=1)
print(len(cases), "cases;", sum(1 for c in cases if "error" in c), "errors")
