package main

import (
	"fmt"
	"os"

	"github.com/callseal/callseal/bench/internal/perf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chartFile is the chart's file name, next to BENCHMARKS.md.
const chartFile = "bench.png"

// chartLine is one line of the chart.
type chartLine struct{ label, id string }

// The chart has a send panel and a receive panel, each with one line per
// path, from the floor up to the full two-layer path.
var (
	sendLines = []chartLine{
		{"raw AES-128-GCM", perf.IDRawSeal},
		{"2 × raw AES-128-GCM (floor)", perf.IDRaw2Seal},
		{"pion/srtp alone", perf.IDPionEncrypt},
		{"srtp ProtectRTP", perf.IDSRTPProtect},
		{"e2ee Seal", perf.IDE2EESeal},
		{"full send (e2ee + srtp)", perf.IDFullSend},
	}
	receiveLines = []chartLine{
		{"raw AES-128-GCM", perf.IDRawOpen},
		{"2 × raw AES-128-GCM (floor)", perf.IDRaw2Open},
		{"pion/srtp alone", perf.IDPionDecrypt},
		{"srtp UnprotectRTP", perf.IDSRTPUnprotect},
		{"e2ee Open", perf.IDE2EEOpen},
		{"full receive (srtp + e2ee)", perf.IDFullReceive},
	}
)

// writeChart draws cost per packet against payload size to a PNG file.
func writeChart(path string, r *report) error {
	send, err := r.panel("send", sendLines)
	if err != nil {
		return err
	}
	recv, err := r.panel("receive", receiveLines)
	if err != nil {
		return err
	}
	// The suite and profile go in the titles: the x-axis labels of the two
	// panels stand side by side and must stay short.
	caption := fmt.Sprintf(" (e2ee %s, srtp %s)", perf.DefaultSuite, perf.DefaultProfile)
	send.Title.Text += caption
	recv.Title.Text += caption
	// Same y range on both panels, so they compare at a glance.
	ymax := max(send.Y.Max, recv.Y.Max)
	send.Y.Max, recv.Y.Max = ymax, ymax

	img := vgimg.New(30*vg.Centimeter, 13*vg.Centimeter)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	plots := [][]*plot.Plot{{send, recv}}
	canvases := plot.Align(plots, tiles, dc)
	send.Draw(canvases[0][0])
	recv.Draw(canvases[0][1])

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (r *report) panel(title string, lines []chartLine) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "cost per packet, " + title
	p.X.Label.Text = "RTP payload (bytes)"
	p.Y.Label.Text = "ns per packet (one core)"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	var sizes []plot.Tick
	for _, n := range perf.Sizes {
		sizes = append(sizes, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(sizes)
	var args []any
	for _, l := range lines {
		var xys plotter.XYs
		for _, n := range perf.Sizes {
			if ns, ok := r.ns(l.id, n); ok {
				xys = append(xys, plotter.XY{X: float64(n), Y: ns})
			}
		}
		if len(xys) > 0 {
			args = append(args, l.label, xys)
		}
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return nil, err
	}
	return p, nil
}
