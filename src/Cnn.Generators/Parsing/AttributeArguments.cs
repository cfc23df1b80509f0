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

        /// <summary>An int or an expression string; anything else (e.g. 2.5) becomes an expression that fails to evaluate with a clear message.</summary>
        public SizeArg Size(string name, int defaultValue = 0)
        {
            if (!_values.TryGetValue(name, out TypedConstant c)) return SizeArg.Of(defaultValue);
            return ToSizeArg(c) ?? new SizeArg(0, Convert.ToString(c.Value, CultureInfo.InvariantCulture) + " (not an integer)");
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
