package uaparser

import "testing"

var benchSink Result

func BenchmarkParse(b *testing.B) {
	uas := map[string]string{
		"chrome_windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",                           //nolint:lll // a real user agent, kept whole
		"safari_ios":     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", //nolint:lll // a real user agent, kept whole
		"chrome_android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",                //nolint:lll // a real user agent, kept whole
		"mixed_version":  "MyApp/1_2_3 (Linux)",
	}
	for name, ua := range uas {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchSink = Parse(ua)
			}
		})
	}
}
