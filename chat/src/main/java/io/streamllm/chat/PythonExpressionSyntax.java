package io.streamllm.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression syntax with Python's precedence where chat templates rely on it:
 * <ul>
 *   <li>{@code not}: in Python (and jinja2) {@code not a == b} is {@code not (a == b)}, while Jinjava,
 *       following Java EL, reads {@code (not a) == b}. Chat templates write
 *       {@code {% if not message.tool_calls|length == 1 %}} and mean Python's reading.</li>
 *   <li>keyword arguments: a keyword's value is a whole expression, so {@code namespace(last=messages|length - 1)}
 *       binds {@code last} to {@code messages|length - 1}, where Jinjava (which parses {@code =} like {@code +})
 *       would subtract 1 from the keyword argument itself (Qwen3's template).</li>
 *   <li>slices with a step, {@code messages[::-1]} (Qwen3's template), as {@link AstSteppedSlice}.</li>
 * </ul>
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

    /** Parses {@code not} just above comparisons and keyword values as whole expressions, as Python's grammar does. */
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

        /**
         * Jinjava's postfix level ({@code .name}, {@code .method(...)}, {@code [index]}, {@code [start:stop]}) with
         * Python's {@code [start:stop:step]} added. The operators after a value are parsed by the levels above,
         * as Jinjava does with natural operator precedence (which {@link PythonJinjava} turns on).
         */
        @Override
        protected AstNode value() throws Scanner.ScanException, ParseException {
            boolean leftValue = true;
            AstNode value = nonliteral();
            if (value == null) {
                value = literal();
                if (value == null) {
                    return null;
                }
                leftValue = false;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case DOT -> {
                        consumeToken();
                        AstDot dot = createAstDot(value, consumeToken(Scanner.Symbol.IDENTIFIER).getImage(), leftValue);
                        value = isMethodCall() ? createAstMethod(dot, params()) : dot;
                    }
                    case LBRACK -> value = subscript(value, leftValue);
                    default -> {
                        return value;
                    }
                }
            }
        }

        private boolean isMethodCall() {
            return getToken().getSymbol() == Scanner.Symbol.LPAREN && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS);
        }

        /** {@code [index]}, {@code [start:stop]} or {@code [start:stop:step]}, any bound left out. */
        private AstNode subscript(AstNode value, boolean leftValue) throws Scanner.ScanException, ParseException {
            consumeToken(Scanner.Symbol.LBRACK);
            AstNode start = expr(false);
            boolean strict = !context.isEnabled(Builder.Feature.NULL_PROPERTIES);
            Scanner.Token token = consumeToken();
            if (token.getSymbol() == Scanner.Symbol.RBRACK) {
                AstBracket bracket = createAstBracket(value, start, leftValue, strict);
                return isMethodCall() ? createAstMethod(bracket, params()) : bracket;
            }
            if (token.getSymbol() != Scanner.Symbol.COLON) {
                fail(Scanner.Symbol.RBRACK);
            }
            AstNode stop = expr(false);
            if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                consumeToken();
                AstNode step = expr(false);
                consumeToken(Scanner.Symbol.RBRACK);
                if (step != null) {
                    return new AstSteppedSlice(value, start, stop, step);
                }
            } else {
                consumeToken(Scanner.Symbol.RBRACK);
            }
            return createAstRangeBracket(value, start, stop, leftValue, strict);
        }

        /** Jinjava's additive level, except that the value after a keyword argument's {@code =} is a whole expression. */
        @Override
        protected AstNode add(boolean required) throws Scanner.ScanException, ParseException {
            AstNode value = mul(required);
            if (value == null) {
                return null;
            }
            while (true) {
                Scanner.Token token = getToken();
                switch (token.getSymbol()) {
                    case PLUS -> {
                        consumeToken();
                        value = createAstBinary(value, mul(true), AdditionOperator.OP);
                    }
                    case MINUS -> {
                        consumeToken();
                        value = createAstBinary(value, mul(true), AstBinary.SUB);
                    }
                    case EXTENSION -> {
                        ExtensionHandler handler = getExtensionHandler(token);
                        if (handler.getExtensionPoint() != ExtensionPoint.ADD) {
                            return value;
                        }
                        consumeToken();
                        value = handler.createAstNode(value, "=".equals(token.getImage()) ? expr(true) : mul(true));
                    }
                    default -> {
                        return value;
                    }
                }
            }
        }
    }
}
