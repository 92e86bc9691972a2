package io.streamllm.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

import java.time.Clock;
import java.util.Properties;

/**
 * Jinjava set up to render chat templates the way Hugging Face transformers renders them with Python's
 * jinja2: {@code trim_blocks} and {@code lstrip_blocks}, {@code {{- -}}} whitespace control, Python's
 * operator precedence, Python string methods, and the globals {@code raise_exception} and
 * {@code strftime_now} plus a json.dumps-style {@code tojson}, keyword arguments, slices with a step and
 * loop filters ({@code {% for m in messages if ... %}}).
 */
final class PythonJinjava extends Jinjava {
    private final ExpressionFactory expressions;

    PythonJinjava(Clock clock) {
        super(config(clock));
        Properties properties = new Properties();
        properties.setProperty(TreeBuilder.class.getName(), PythonExpressionSyntax.class.getName());
        expressions = new ExpressionFactoryImpl(properties, new TruthyTypeConverter());
        registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raiseException", Object.class));
        registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", Object.class));
        registerFilter(new PythonFilters.Trim());
        registerFilter(new PythonFilters.ToJson());
        getGlobalContext().registerTag(new PythonForTag());
    }

    private static JinjavaConfig config(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        LegacyOverrides python = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true) // {{- x -}} and {#- -#} trim like jinja2
                .withUseNaturalOperatorPrecedence(true)      // filters bind tighter than + and ~
                .withUsePyishObjectMapper(true)              // lists print as ['a', 'b']
                .build();
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(python)
                .withNestedInterpretationEnabled(false)      // message text is data: a "{{" in it stays text
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .build();
    }

    /** Expressions are parsed with {@link PythonExpressionSyntax}. */
    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressions;
    }
}
