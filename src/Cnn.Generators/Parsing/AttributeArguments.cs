using System;
using System.Collections.Generic;
using System.Globalization;
using Cnn.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Cnn.Generators.Parsing
{
    /// <summary>An attribute's constructor and named arguments by (case-insensitive) name.</summary>
internal readonly struct AttributeArguments
    {
        private readonly Dictionary<string, TypedConstant> _values;

        public AttributeArguments(AttributeData attribute)
        {
            _values = new Dictionary<string, TypedConstant>(StringComparer.OrdinalIgnoreCase);
            IMethodSymbol? constructor = attribute.AttributeConstructor;
            if (constructor is not null)
            {
                for (int i = 0; i < attribute.ConstructorArguments.Length && i < constructor.Parameters.Length; i++)
                {
                    _values[constructor.Parameters[i].Name] = attribute.ConstructorArguments[i];
                }
            }
            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                _values[named.Key] = named.Value;
            }
        }

        public int Int(string name, int defaultValue = 0)
            => _values.TryGetValue(name, out TypedConstant c) && c.Value is not null ? Convert.ToInt32(c.Value, CultureInfo.InvariantCulture) : defaultValue;

        /// <summary>
        /// A size: argument <paramref name="name"/> (an int, or an expression string for a constructor
        /// argument), or its string twin <paramref name="name"/>Expression; <paramref name="fallback"/>
        /// (by default <paramref name="defaultValue"/>) when neither is set. Setting both is an error that
        /// the shape rule reports when it evaluates the size.
        /// </summary>
        public SizeArg Size(string name, int defaultValue = 0, SizeArg? fallback = null)
        {
            string twin = name + "Expression";
            bool hasValue = _values.TryGetValue(name, out TypedConstant value);
            bool hasExpression = _values.TryGetValue(twin, out TypedConstant expression) && expression.Value is string;
            if (hasValue && hasExpression) return SizeArg.Invalid(name, $"both {name} and {twin} are set; keep one");
            if (hasExpression) return (ToSizeArg(expression) ?? SizeArg.Of(defaultValue)).From(name);
            if (hasValue) return (ToSizeArg(value) ?? SizeArg.Invalid(name, $"{value.Value ?? "null"} is not an integer")).From(name);
            return fallback ?? SizeArg.Of(defaultValue).From(name);
        }

        public static SizeArg? ToSizeArg(TypedConstant constant) => constant.Value switch
        {
            int value => SizeArg.Of(value),
            short or byte or sbyte or ushort => SizeArg.Of(Convert.ToInt32(constant.Value, CultureInfo.InvariantCulture)),
            string text => int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? SizeArg.Of(value) : new SizeArg(0, text),
            _ => null,
        };

        public bool Bool(string name, bool defaultValue)
            => _values.TryGetValue(name, out TypedConstant c) && c.Value is bool b ? b : defaultValue;

        public double Double(string name, double defaultValue)
            => _values.TryGetValue(name, out TypedConstant c) && c.Value is not null ? Convert.ToDouble(c.Value, CultureInfo.InvariantCulture) : defaultValue;

        public string? String(string name)
            => _values.TryGetValue(name, out TypedConstant c) ? c.Value as string : null;
    }
}
