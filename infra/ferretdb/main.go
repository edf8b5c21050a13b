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
	logLevel := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

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
		logger.Error("ferretdb.start_failed", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("ferretdb.listening", "addr", *listen, "version", version.Get().Version,
		"sqlite_url", *sqliteURL)
	if err := f.Run(ctx); err != nil {
		logger.Error("ferretdb.run_failed", "error", err)
		os.Exit(1)
	}
	logger.Info("ferretdb.stopped")
}
