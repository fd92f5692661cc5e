package dev.smelt.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Filters whose Jinjava versions differ from what transformers' Jinja2 environment does. */
final class PyFilters {
    private PyFilters() {}

    static List<Filter> all() {
        return List.of(new ToJson(), new Trim(), new Str(), new Items(), new Slice(), new Print());
    }

    private abstract static class Base implements Filter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public abstract Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs);
    }

    /** transformers' tojson: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    static final class ToJson extends Base {
        public String getName() {
            return "tojson";
        }

        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            boolean ascii = truthy(kwargs.getOrDefault("ensure_ascii", args.length > 1 ? args[1] : false));
            boolean sort = truthy(kwargs.getOrDefault("sort_keys", args.length > 3 ? args[3] : false));
            return PyValues.toJson(var, ascii, indent instanceof Number n ? n.intValue() : null, sort);
        }
    }

    /** Jinja2 trim: {@code str(value).strip(chars)} with Python's notion of whitespace. */
    static final class Trim extends Base {
        public String getName() {
            return "trim";
        }

        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = kwargs.getOrDefault("chars", args.length > 0 ? args[0] : null);
            return PyStrings.strip(var == null ? "" : PyValues.str(var), chars == null ? null : chars.toString(), true, true);
        }
    }

    /** Python {@code str()}: True/False/None, float repr, Python-style list and dict text. */
    static final class Str extends Base {
        public String getName() {
            return "string";
        }

        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return PyValues.str(var);
        }
    }

    /** Applied to every {@code {{ expression }}}: Python's str(), except that undefined/None print nothing. */
    static final class Print extends Base {
        public String getName() {
            return "pyprint";
        }

        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return var == null ? "" : PyValues.str(var);
        }
    }

    /** Jinja2 3.1 {@code items}: a mapping's (key, value) pairs; nothing for undefined. */
    static final class Items extends Base {
        public String getName() {
            return "items";
        }

        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var == null) return List.of();
            if (!(var instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("items filter expects a mapping, got " + var.getClass().getSimpleName());
            }
            return new ArrayList<>(m.entrySet());
        }
    }

    /** Target of the {@code x[a:b:c]} rewrite in {@link JinjaDialect}. */
    static final class Slice extends Base {
        public String getName() {
            return "pyslice";
        }

        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return PyValues.slice(var, num(args, 0), num(args, 1), num(args, 2));
        }

        private static Number num(Object[] args, int i) {
            return args.length > i && args[i] instanceof Number n ? n : null;
        }
    }

    static boolean truthy(Object o) {
        if (o == null) return false;
        if (o instanceof Boolean b) return b;
        if (o instanceof Number n) return n.doubleValue() != 0;
        if (o instanceof CharSequence s) return s.length() > 0;
        return true;
    }
}
