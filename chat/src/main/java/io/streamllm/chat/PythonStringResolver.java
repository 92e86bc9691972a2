package io.streamllm.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.Iterator;
import java.util.Optional;

/**
 * Resolves method calls on strings to Python's {@code str} methods ({@link PythonStr}); everything else is
 * left to the resolvers after it.
 */
final class PythonStringResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null || !(base instanceof CharSequence)) {
            return null;
        }
        Optional<Object> result = PythonStr.invoke(base.toString(), method.toString(), params == null ? new Object[0] : params);
        if (result.isEmpty()) {
            return null;
        }
        context.setPropertyResolved(true);
        return result.get();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Not a property resolver: leaves the value to the next resolver.
    }
}
