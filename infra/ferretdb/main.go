// Command ferretdb runs FerretDB (SQLite or PostgreSQL backend) through its public embedding
// package.
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
	handler := flag.String("handler", "sqlite", "storage backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite URI (a directory, with trailing slash)")
	// Names this instance in the process list: `rumah infra` checks it before signalling a pid.
	flag.String("instance", "", "a marker for the process list; not used otherwise")
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

	// The PostgreSQL URL carries a password: it comes from the environment, not the command
	// line that every user of the machine can read.
	postgresqlURL := os.Getenv("FERRETDB_POSTGRESQL_URL")
	if *handler == "postgresql" && postgresqlURL == "" {
		lifecycle.Error("ferretdb.start_failed", "error", "FERRETDB_POSTGRESQL_URL is not set")
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: postgresqlURL,
	})
	if err != nil {
		lifecycle.Error("ferretdb.start_failed", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	lifecycle.Info("ferretdb.listening", "addr", *listen, "version", version.Get().Version,
		"handler", *handler)
	if err := f.Run(ctx); err != nil {
		lifecycle.Error("ferretdb.run_failed", "error", err)
		os.Exit(1)
	}
	lifecycle.Info("ferretdb.stopped")
}
