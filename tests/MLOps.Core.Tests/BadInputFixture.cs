using System.Globalization;
using System.Text;

namespace MLOps.Core.Tests;

/// <summary>
/// A CSV of 1,000 event rows of which 100 are broken in 10 different ways (10 each), with the reason each must get.
/// </summary>
public static class BadInputFixture
{
    public const string Header = "eventId,userId,contentId,timestamp,eventType,viewSeconds,rating,device,country";

    /// <summary>(broken row, expected field:reason) for the 10 kinds of breakage; <paramref name="i"/> makes rows distinct.</summary>
    public static (string Row, string Reason)[] Broken(int i)
    {
        var ts = 1_700_000_000 + i;
        return
        [
            ($"x{i},u{i},c{i},{ts},play,10", "line:unparseable_line"),                              // too few columns
            ($"x{i},,c{i},{ts},play,10,4,tv,US", "userId:missing"),
            ($"x{i},u{i},,{ts},play,10,4,tv,US", "contentId:missing"),
            ($"x{i},u{i},c{i},{ts},play,10,7,tv,US", "rating:out_of_scale"),
            ($"x{i},u{i},c{i},4102444800,play,10,4,tv,US", "timestamp:in_future"),                  // 2100-01-01
            ($"x{i},u{i},c{i},315532800,play,10,4,tv,US", "timestamp:before_1990"),                 // 1980-01-01
            ($"x{i},u{i},c{i},{ts},play,-5,4,tv,US", "viewSeconds:negative"),
            ($"x{i},u{i},c{i},yesterday,play,10,4,tv,US", "timestamp:unparseable"),
            ($"x{i},u{i},c{i},{ts},binge,10,4,tv,US", "eventType:unknown_value"),
            ($"dup{i},u{i},c{i},{ts},play,10,4,tv,US", "eventId:duplicate"),                        // its id was used by a good row
        ];
    }

    /// <summary>Writes the file and returns the expected reason count per field:reason.</summary>
    public static Dictionary<string, long> Write(string path)
    {
        var text = new StringBuilder(Header).Append('\n');
        var expected = new Dictionary<string, long>();
        var good = 0;
        for (var block = 0; block < 10; block++)
        {
            // 90 good rows, then the 10 broken ones
            for (var g = 0; g < 90; g++, good++)
            {
                var id = g == 0 ? $"dup{block}" : $"ok{good}";
                text.Append(CultureInfo.InvariantCulture, $"{id},u{good % 37},c{good % 101},{1_600_000_000 + good * 60},play,{good % 3000},{1 + good % 5},tv,US\n");
            }
            foreach (var (row, reason) in Broken(block))
            {
                text.Append(row).Append('\n');
                expected[reason] = expected.GetValueOrDefault(reason) + 1;
            }
        }
        File.WriteAllText(path, text.ToString());
        return expected;
    }
}
