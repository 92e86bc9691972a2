package io.streamllm.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression syntax with Python's precedence for {@code not}: in Python (and jinja2)
 * {@code not a == b} is {@code not (a == b)}, while Jinjava, following Java EL, reads {@code (not a) == b}.
 * Chat templates write {@code {% if not message.tool_calls|length == 1 %}} and mean Python's reading.
 * Public with a public constructor because the expression factory instantiates it by name
 * (with the features its properties enable).
 */
public final class PythonExpressionSyntax extends ExtendedSyntaxBuilder {
    private static final long serialVersionUID = 1L;

    public PythonExpressionSyntax(Builder.Feature... features) {
        super(features);
    }

    @Override
    protected Parser createParser(String expression) {
        return new PythonParser(this, expression);
    }

    /** Parses {@code not} at the level just above comparisons, as Python's grammar does. */
    private static final class PythonParser extends ExtendedParser {
        PythonParser(Builder context, String input) {
            super(context, input);
        }

        @Override
        protected AstNode eq(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.eq(required);
        }
    }
}
