package dev.smelt.core.chat;

import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.Iterator;
import java.util.List;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Sits in front of Jinjava's own resolvers and answers what Python Jinja2 answers but Jinjava does
 * not: string methods ({@code s.startswith(..)}, {@code s.split(..)}, ...), indexing a string
 * ({@code s[-1]}) and {@code loop.previtem}/{@code loop.nextitem}. Everything else falls through.
 */
final class PyResolver extends ELResolver {
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base instanceof ForLoop loop && property != null) {
            String name = property.toString();
            if (name.equals("previtem") || name.equals("nextitem")) {
                context.setPropertyResolved(true);
                List<Object> items = LoopItems.current();
                if (items == null) return null;
                int i = loop.getIndex0() + (name.equals("previtem") ? -1 : 1);
                return i >= 0 && i < items.size() ? items.get(i) : null;
            }
        }
        String s = asString(base);
        Long index = integerIndex(property);
        if (s != null && index != null) {
            int[] cps = s.codePoints().toArray();
            long i = index;
            if (i < 0) i += cps.length;
            context.setPropertyResolved(true);
            return i >= 0 && i < cps.length ? new String(Character.toChars(cps[(int) i])) : null;
        }
        return null;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        String s = asString(base);
        if (s == null || method == null) return null;
        Object result = PyStrings.call(s, method.toString(), params);
        if (result == PyStrings.NOT_A_METHOD) return null;
        context.setPropertyResolved(true);
        return result;
    }

    /** Jinjava hands subscripts over as numbers or as their decimal text. */
    private static Long integerIndex(Object property) {
        if (property instanceof Long || property instanceof Integer || property instanceof Short) {
            return ((Number) property).longValue();
        }
        if (property instanceof String p && p.matches("-?\\d{1,9}")) return Long.parseLong(p);
        return null;
    }

    private static String asString(Object base) {
        if (base instanceof String s) return s;
        if (base instanceof SafeString s) return s.getValue();
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // read-only: assignments fall through to Jinjava's resolvers
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
