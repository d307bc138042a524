// Reads YAML the way the Pulumi CLI reads a stack file: gopkg.in/yaml.v2 into interface{}
// (sdk/go/common/encoding/marshal.go), re-encoded and decoded again as LoadProjectStackBytes does,
// and handed on as JSON. tests/test_engine_yaml.py compares infra/engine_yaml.py against it.
//
//   yaml-v2 scalars < lines   one plain scalar per line -> one JSON value per line (or ERROR / JSONERR)
//   yaml-v2 FILE...           each file -> one line of JSON
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	yaml "gopkg.in/yaml.v2"
)

// simplify turns yaml.v2's map[interface{}]interface{} into JSON-able maps, as SimplifyMarshalledProject
// and config's unmarshalObject do.
func simplify(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, x := range t {
			m[fmt.Sprintf("%v", k)] = simplify(x)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = simplify(t[i])
		}
		return t
	case time.Time:
		return t.String()
	}
	return v
}

func read(data []byte) (string, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return "ERROR", err
	}
	again, err := yaml.Marshal(simplify(raw))
	if err != nil {
		return "ERROR", err
	}
	raw = nil
	if err := yaml.Unmarshal(again, &raw); err != nil {
		return "ERROR", err
	}
	out, err := json.Marshal(simplify(raw))
	if err != nil {
		return "JSONERR", err
	}
	return string(out), nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "scalars" {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			out, _ := read([]byte("v: " + in.Text() + "\n"))
			fmt.Println(out)
		}
		return
	}
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		out, _ := read(data)
		fmt.Println(out)
	}
}
