package tla

import "testing"

// The generator must be java.util.Random's, value for value (checked against a JVM).
func TestJavaRandomMatchesJava(t *testing.T) {
	r := newJavaRandom(42)
	for _, want := range []float64{0.7275636800328681, 0.6832234717598454} {
		if got := r.nextDouble(); got != want {
			t.Fatalf("Random(42).nextDouble() = %v, want %v", got, want)
		}
	}
	if got := newJavaRandom(-7).nextDouble(); got != 0.2691218093260761 {
		t.Fatalf("Random(-7).nextDouble() = %v", got)
	}
}
