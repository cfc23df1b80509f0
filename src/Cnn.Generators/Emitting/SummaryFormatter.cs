using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Emitting
{
    /// <summary>
    /// Formats the Keras-style summary table at compile time: one row per top-level layer or block
    /// instance (name, kind, output shape, parameters), then the totals. Non-trainable parameters are
    /// batch norm's running means and variances, as Keras counts them.
    /// </summary>
    internal static class SummaryFormatter
    {
        public static string Format(ShapedNetwork network)
        {
            var rows = new List<string[]>
            {
                new[] { "input (Input)", network.InputTensor.Shape.ToString(), "0" },
            };
            foreach (SummaryRow row in network.Summary)
            {
                rows.Add(new[] { $"{row.Name} ({row.Kind})", row.Output.ToString(), Count(row.Parameters) });
            }

            int nameWidth = "Layer (type)".Length, shapeWidth = "Output Shape".Length;
            foreach (string[] row in rows)
            {
                nameWidth = Math.Max(nameWidth, row[0].Length);
                shapeWidth = Math.Max(shapeWidth, row[1].Length);
            }
            nameWidth += 4;
            shapeWidth += 4;
            int width = 1 + nameWidth + shapeWidth + 12;

            var text = new StringBuilder();
            text.Append("Model: \"").Append(network.Identity.ClassName).Append("\"\n");
            text.Append('_', width).Append('\n');
            AppendRow(text, "Layer (type)", "Output Shape", "Param #", nameWidth, shapeWidth);
            text.Append('=', width).Append('\n');
            foreach (string[] row in rows) AppendRow(text, row[0], row[1], row[2], nameWidth, shapeWidth);
            text.Append('=', width).Append('\n');
            text.Append("Total params: ").Append(Count(network.ParameterCount + network.NonTrainableCount)).Append('\n');
            text.Append("Trainable params: ").Append(Count(network.ParameterCount)).Append('\n');
            text.Append("Non-trainable params: ").Append(Count(network.NonTrainableCount)).Append('\n');
            text.Append('_', width).Append('\n');
            return text.ToString();
        }

        private static void AppendRow(StringBuilder text, string name, string shape, string count, int nameWidth, int shapeWidth)
            => text.Append(' ').Append(name.PadRight(nameWidth)).Append(shape.PadRight(shapeWidth)).Append(count).Append('\n');

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
