#include "app/app.h"

int main(int argc, char** argv) {
  return logferry::app::main(argc, argv);
}
