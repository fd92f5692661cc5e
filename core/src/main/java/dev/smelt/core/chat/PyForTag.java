package dev.smelt.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.List;

/** Jinjava's {@code for} with Python iteration (map keys, string characters) and previtem/nextitem support. */
final class PyForTag extends ForTag {
    private static final long serialVersionUID = 1L;

    @Override
    public String renderForCollection(TagNode tagNode, JinjavaInterpreter interpreter, List<String> loopVars,
            Object collection) {
        List<Object> items = PyValues.iterate(collection);
        LoopItems.push(items);
        try {
            return super.renderForCollection(tagNode, interpreter, loopVars, items);
        } finally {
            LoopItems.pop();
        }
    }
}
