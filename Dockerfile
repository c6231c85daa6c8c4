# Build: the Swift 6 toolchain with the C libraries groomer links against.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev libpq-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# scripts/image-build runs this same build outside Docker, so CI catches a change that breaks it.
RUN swift build -c release --product groomer --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/groomer" /usr/local/bin/groomer \
 && objcopy --only-keep-debug /usr/local/bin/groomer /usr/local/bin/groomer.debug \
 && strip --strip-debug --strip-unneeded /usr/local/bin/groomer \
 && objcopy --add-gnu-debuglink=/usr/local/bin/groomer.debug /usr/local/bin/groomer
# The image carries the stripped binary; its symbols stay in this stage, as groomer.debug
# (docker build --target build, then copy /usr/local/bin/groomer.debug out, to read a crash's addresses).

# Run: slim Debian with only the runtime libraries and CA certificates.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libcurl4 libpq5 libsqlite3-0 libssl3 libstdc++6 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/groomer groomer
COPY --from=build /usr/local/bin/groomer /usr/local/bin/groomer
USER groomer
WORKDIR /var/lib/groomer
ENV GROOMER_HOST=0.0.0.0 \
    GROOMER_PORT=8080 \
    GROOMER_DATABASE_URL=sqlite:/var/lib/groomer/groomer.sqlite
# A named volume is writable by the image's user (uid 10001); a bind-mounted host folder must be
# owned by that uid (chown 10001 DIR), or groomer stops at start saying the folder is not writable.
VOLUME ["/var/lib/groomer"]
EXPOSE 8080
# The shell form reads GROOMER_PORT when the check runs, so a changed port is checked where it listens.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${GROOMER_PORT:-8080}/healthz" || exit 1
CMD ["groomer", "serve"]
