// Command ferretdb runs FerretDB (SQLite backend) through its public embedding package.
//
// The upstream cmd/ferretdb cannot be built with `go install`: its build/version/version.txt
// is missing from the module zip, so it panics at start-up. Embedding the public package
// avoids that; the version reported by buildInfo is taken from the linked module itself.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"
)

const ferretModule = "github.com/FerretDB/FerretDB"

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite URI (a directory, with trailing slash)")
	// FerretDB logs every connection at info level and every failed command (such as the
	// endSessions each PyMongo client sends on close) at warn: error keeps the log readable.
	logLevel := flag.String("log-level", "error", "FerretDB's log level: debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		level = slog.LevelError
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// Our own start/stop lines are always written, whatever FerretDB's level.
	lifecycle := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// Without this, buildInfo reports "unknown": the embedding package only fills the
	// version for the upstream main module.
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == ferretModule {
				version.Get().Version = dep.Version
			}
		}
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		lifecycle.Error("ferretdb.start_failed", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	lifecycle.Info("ferretdb.listening", "addr", *listen, "version", version.Get().Version,
		"sqlite_url", *sqliteURL)
	if err := f.Run(ctx); err != nil {
		lifecycle.Error("ferretdb.run_failed", "error", err)
		os.Exit(1)
	}
	lifecycle.Info("ferretdb.stopped")
}
