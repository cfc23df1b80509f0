using System.Text;

namespace Cnn.Generators.Helpers
{
    /// <summary>Builds indented C# text line by line; output uses \n line endings on every platform.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private int _indent;

        public void Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
            _text.Append('\n');
        }

        public void Open(string line)
        {
            Line(line);
            Line("{");
            _indent++;
        }

        public void Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
        }

        public override string ToString() => _text.ToString();
    }
}
