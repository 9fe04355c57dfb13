# Multi-stage build on Debian 12, the same packages as scripts/install-deps.sh.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libasio-dev libssl-dev libsimdjson-dev libyaml-cpp-dev \
      libre2-dev libpcre2-dev libcurl4-openssl-dev libfmt-dev libcli11-dev zlib1g-dev libzstd-dev \
      libabsl-dev tao-pegtl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset default -DLOGFERRY_BUILD_TESTS=OFF && cmake --build --preset default

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libsimdjson14 libyaml-cpp0.7 libre2-9 libpcre2-8-0 libcurl4 libfmt9 zlib1g libzstd1 \
      libabsl20220623 tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/logferry /usr/local/bin/logferry
ENTRYPOINT ["/usr/local/bin/logferry"]
CMD ["--help"]
