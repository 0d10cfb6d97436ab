// Command lesson-read measures an authenticated, warm GET /v1/lessons/{id} against a bare
// Fiber handler that returns the same bytes, side by side in one run with the same load tool
// (wrk) and the same concurrency. It starts the whole product on embedded FerretDB with the
// demo seed in a temporary directory. Run it through bench/lesson-read.sh; it is not a test.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
)

func main() {
	duration := flag.Duration("duration", 10*time.Second, "length of each wrk run")
	conns := flag.Int("connections", 64, "concurrent connections")
	threads := flag.Int("threads", 2, "wrk threads")
	rounds := flag.Int("rounds", 2, "alternating rounds of bare and product runs")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the product runs to this file")
	flag.Parse()
	if err := run(load{*duration, *conns, *threads, *rounds, *cpuProfile}); err != nil {
		fmt.Fprintln(os.Stderr, "lesson-read:", err)
		os.Exit(1)
	}
}

// load is how hard and how long wrk runs.
type load struct {
	duration       time.Duration
	conns, threads int
	rounds         int
	cpuProfile     string // written during the first product run, when set
}

func run(l load) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is not installed (apt-get install wrk)")
	}
	dir, err := os.MkdirTemp("", "microlearn-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, closeProduct, err := startProduct(ctx, dir)
	if err != nil {
		return err
	}
	defer closeProduct()
	token, lessonURL, err := demoLesson(base)
	if err != nil {
		return err
	}
	body, err := get(lessonURL, token) // warms the caches
	if err != nil {
		return err
	}
	if _, err := get(lessonURL, token); err != nil {
		return err
	}
	bareURL, stopBare, err := serveBare(body)
	if err != nil {
		return err
	}
	defer stopBare()
	fmt.Printf("lesson body %d bytes; wrk -t%d -c%d -d%s; %d rounds\n", len(body), l.threads, l.conns, l.duration, l.rounds)
	bareRPS, prodRPS, err := l.alternate(bareURL, lessonURL, token)
	if err != nil {
		return err
	}
	mb, mp := median(bareRPS), median(prodRPS)
	fmt.Printf("\n| handler | requests/s (median of %d) |\n|---|---|\n| bare Fiber, same bytes | %.0f |\n| GET /v1/lessons/{id}, authenticated, warm | %.0f |\n| ratio | %.0f%% |\n",
		l.rounds, mb, mp, 100*mp/mb)
	return nil
}

// startProduct runs the whole product with the demo seed on an embedded database in dir,
// and returns its base URL and a function that closes it.
func startProduct(ctx context.Context, dir string) (string, func(), error) {
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "true", "EMBEDDED_MONGO_ADDR": "127.0.0.1:0"}))
	if err != nil {
		return "", nil, err
	}
	// Request logs are formatted as in production (JSON at INFO) but not written anywhere.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return "", nil, err
	}
	closeApp := func() { _ = a.Close(context.WithoutCancel(ctx)) }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeApp()
		return "", nil, err
	}
	go func() { _ = a.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), closeApp, nil
}

// serveBare serves body from a bare Fiber handler and returns its URL.
func serveBare(body []byte) (string, func(), error) {
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/lesson", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(body)
	})
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() { _ = bare.Listener(bln) }()
	return "http://" + bln.Addr().String() + "/lesson", func() { _ = bare.Shutdown() }, nil
}

// alternate runs wrk against the bare handler and the product in turn, l.rounds times.
func (l load) alternate(bareURL, lessonURL, token string) (bare, prod []float64, err error) {
	for r := 0; r < l.rounds; r++ {
		b, err := wrk(bareURL, "", l.threads, l.conns, l.duration)
		if err != nil {
			return nil, nil, err
		}
		p, err := l.product(lessonURL, token, r == 0)
		if err != nil {
			return nil, nil, err
		}
		fmt.Printf("round %d: bare Fiber %.0f req/s, product %.0f req/s (%.0f%%)\n", r+1, b, p, 100*p/b)
		bare, prod = append(bare, b), append(prod, p)
	}
	return bare, prod, nil
}

// product runs wrk against the product, under the CPU profiler when asked to.
func (l load) product(lessonURL, token string, profile bool) (float64, error) {
	if l.cpuProfile != "" && profile {
		f, err := os.Create(l.cpuProfile)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, err
		}
		defer pprof.StopCPUProfile()
	}
	return wrk(lessonURL, token, l.threads, l.conns, l.duration)
}

func demoLesson(base string) (token, lessonURL string, err error) {
	b, _ := json.Marshal(map[string]string{"email": "mentee1@example.com", "password": app.DemoPassword})
	resp, err := http.Post(base+"/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var tok struct{ AccessToken string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", "", fmt.Errorf("login: %d %v", resp.StatusCode, err)
	}
	list, err := get(base+"/v1/programmes/"+app.DemoProgrammeID+"/content?kind=lesson&q=active+listening", tok.AccessToken)
	if err != nil {
		return "", "", err
	}
	var items struct{ Items []struct{ ID string } }
	if err := json.Unmarshal(list, &items); err != nil || len(items.Items) == 0 {
		return "", "", fmt.Errorf("no demo lesson found: %s", list)
	}
	return tok.AccessToken, base + "/v1/lessons/" + items.Items[0].ID, nil
}

func get(url, token string) ([]byte, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b, err
}

var rpsLine = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
var non2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)

func wrk(url, token string, threads, conns int, d time.Duration) (float64, error) {
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %v: %s", err, out)
	}
	if m := non2xx.FindSubmatch(out); m != nil {
		return 0, fmt.Errorf("wrk saw %s non-2xx responses from %s", m[1], url)
	}
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in wrk output: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
