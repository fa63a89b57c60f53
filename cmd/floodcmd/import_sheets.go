package main

import (
	"errors"
	"io"
)

func importRoster(args []string, getenv func(string) string, stdout io.Writer) error {
	return errors.New("todo")
}

func importHouseholds(args []string, getenv func(string) string, stdout io.Writer) error {
	return errors.New("todo")
}
