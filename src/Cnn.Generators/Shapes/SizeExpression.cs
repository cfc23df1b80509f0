using System.Collections.Generic;
using Cnn.Generators.Model;

namespace Cnn.Generators.Shapes
{
    /// <summary>
    /// Evaluates a <see cref="SizeArg"/>: integers, block parameter names, + − * / (integer division,
    /// as in C#) and parentheses, e.g. "planes * 4" or "(channels + 1) / 2".
    /// </summary>
    internal static class SizeExpression
    {
        /// <summary>The value, or null with <paramref name="error"/> saying what is wrong.</summary>
        public static int? Evaluate(SizeArg argument, IReadOnlyDictionary<string, int> parameters, out string? error)
        {
            error = argument.Error;
            if (error is not null) return null;
            if (argument.Expression is null) return argument.Value;
            var parser = new Parser(argument.Expression, parameters);
            int? value = parser.ParseAll();
            error = parser.Error;
            return error is null ? value : null;
        }

        private sealed class Parser
        {
            private readonly string _text;
            private readonly IReadOnlyDictionary<string, int> _parameters;
            private int _position;

            public Parser(string text, IReadOnlyDictionary<string, int> parameters)
            {
                _text = text;
                _parameters = parameters;
            }

            public string? Error { get; private set; }

            public int? ParseAll()
            {
                long value = Sum();
                SkipSpaces();
                if (Error is null && _position < _text.Length) Fail($"unexpected '{_text[_position]}' in \"{_text}\"");
                if (Error is null && (value > int.MaxValue || value < int.MinValue)) Fail($"\"{_text}\" overflows");
                return Error is null ? (int)value : (int?)null;
            }

            private long Sum()
            {
                long value = Product();
                while (Error is null)
                {
                    SkipSpaces();
                    if (Accept('+')) value += Product();
                    else if (Accept('-')) value -= Product();
                    else return value;
                }
                return value;
            }

            private long Product()
            {
                long value = Atom();
                while (Error is null)
                {
                    SkipSpaces();
                    if (Accept('*'))
                    {
                        value *= Atom();
                    }
                    else if (Accept('/'))
                    {
                        long divisor = Atom();
                        if (divisor == 0)
                        {
                            Fail($"division by zero in \"{_text}\"");
                            return 0;
                        }
                        value /= divisor;
                    }
                    else
                    {
                        return value;
                    }
                }
                return value;
            }

            private long Atom()
            {
                SkipSpaces();
                if (_position >= _text.Length)
                {
                    Fail($"\"{_text}\" ends too early");
                    return 0;
                }
                char c = _text[_position];
                if (Accept('('))
                {
                    long inner = Sum();
                    SkipSpaces();
                    if (!Accept(')')) Fail($"missing ')' in \"{_text}\"");
                    return inner;
                }
                if (Accept('-')) return -Atom();
                if (char.IsDigit(c))
                {
                    long number = 0;
                    while (_position < _text.Length && char.IsDigit(_text[_position]))
                    {
                        number = number * 10 + (_text[_position++] - '0');
                        if (number > int.MaxValue)
                        {
                            Fail($"\"{_text}\" overflows");
                            return 0;
                        }
                    }
                    return number;
                }
                if (char.IsLetter(c) || c == '_')
                {
                    int start = _position;
                    while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] == '_')) _position++;
                    string name = _text.Substring(start, _position - start);
                    if (_parameters.TryGetValue(name, out int value)) return value;
                    Fail(_parameters.Count == 0
                        ? $"'{name}' is not defined here; expressions can only use the parameters of the enclosing [Block]"
                        : $"'{name}' is not a parameter of the block; it has {string.Join(", ", _parameters.Keys)}");
                    return 0;
                }
                Fail($"unexpected '{c}' in \"{_text}\"");
                return 0;
            }

            private bool Accept(char c)
            {
                if (_position < _text.Length && _text[_position] == c)
                {
                    _position++;
                    return true;
                }
                return false;
            }

            private void SkipSpaces()
            {
                while (_position < _text.Length && _text[_position] == ' ') _position++;
            }

            private void Fail(string message)
            {
                if (Error is null) Error = message;
            }
        }
    }
}
