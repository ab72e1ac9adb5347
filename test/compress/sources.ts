/**
 * Small but real programs in each language the outline parses. Each `expected` row names a line by a piece of
 * its text and the outline label that must sit on that line, with its nesting depth (0 = top level).
 */
export interface SourceCase {
  readonly file: string;
  readonly source: string;
  readonly expected: readonly (readonly [needle: string, label: string, depth: number])[];
}

/** A licence header pushes declarations down, so line numbers are checked away from line 1. */
const header = (comment: string): string =>
  Array.from({ length: 22 }, (_, i) => `${comment} Licensed under the MIT licence; see LICENSE (header line ${i + 1}).`).join("\n");

export const SOURCES: readonly SourceCase[] = [
  {
    file: "src/store.ts",
    source: `${header("//")}
import { readFileSync } from "node:fs";

export const DEFAULT_LIMIT = 50;

export interface Record {
  id: string;
  load(path: string): Promise<void>;
}

export type RecordId = string;

enum Mode { Read, Write }

export class Store implements Record {
  id = "store";
  constructor(private readonly root: string) {}

  async load(path: string): Promise<void> {
    readFileSync(path);
  }

  static open = (root: string) => new Store(root);
}

export function createStore(root: string, limit = DEFAULT_LIMIT): Store {
  return new Store(root + limit);
}

const normalize = (value: string): string => value.trim();
`,
    expected: [
      ["export const DEFAULT_LIMIT", "const DEFAULT_LIMIT", 0],
      ["export interface Record", "interface Record", 0],
      ["load(path: string): Promise<void>;", "method load(path: string)", 1],
      ["export type RecordId", "type RecordId", 0],
      ["enum Mode", "enum Mode", 0],
      ["export class Store", "class Store", 0],
      ["constructor(private", "constructor constructor(private readonly root: string)", 1],
      ["async load(path", "method load(path: string)", 1],
      ["static open", "method open(root: string)", 1],
      ["export function createStore", "function createStore(root: string, limit = DEFAULT_LIMIT)", 0],
      ["const normalize", "function normalize(value: string)", 0],
    ],
  },
  {
    file: "src/ui/Button.tsx",
    source: `${header("//")}
import { useState } from "react";

export interface ButtonProps {
  label: string;
}

export function Button({ label }: ButtonProps) {
  const [pressed, setPressed] = useState(false);
  return <button onClick={() => setPressed(!pressed)}>{label}</button>;
}

export const Panel = ({ children }: { children: string }) => <div className="panel">{children}</div>;
`,
    expected: [
      ["export interface ButtonProps", "interface ButtonProps", 0],
      ["export function Button", "function Button({ label }: ButtonProps)", 0],
      ["export const Panel", "function Panel({ children }: { children: string })", 0],
    ],
  },
  {
    file: "lib/queue.mjs",
    source: `${header("//")}
const DEFAULT_SIZE = 16;

export class Queue {
  constructor(size = DEFAULT_SIZE) {
    this.items = new Array(size);
  }

  push(item) {
    this.items.push(item);
  }
}

export default function drain(queue, handler) {
  for (const item of queue.items) handler(item);
}
`,
    expected: [
      ["const DEFAULT_SIZE", "const DEFAULT_SIZE", 0],
      ["export class Queue", "class Queue", 0],
      ["constructor(size", "constructor constructor(size = DEFAULT_SIZE)", 1],
      ["push(item)", "method push(item)", 1],
      ["export default function drain", "function drain(queue, handler)", 0],
    ],
  },
  {
    file: "app/jobs.py",
    source: `${header("#")}
import logging

RETRY_LIMIT = 3
log = logging.getLogger(__name__)


class Job:
    """A unit of work."""

    def __init__(self, name, retries=RETRY_LIMIT):
        self.name = name
        self.retries = retries

    @property
    def label(self):
        return self.name.upper()

    class Result:
        pass


@staticmethod
def run(job, *, dry_run=False):
    log.info("running %s", job.name)


async def fetch(url):
    return url
`,
    expected: [
      ["RETRY_LIMIT = 3", "var RETRY_LIMIT", 0],
      ["log = logging", "var log", 0],
      ["class Job:", "class Job", 0],
      ["def __init__", "method __init__(self, name, retries=RETRY_LIMIT)", 1],
      ["def label", "method label(self)", 1],
      ["class Result", "class Result", 1],
      ["def run(", "function run(job, *, dry_run=False)", 0],
      ["async def fetch", "function fetch(url)", 0],
    ],
  },
  {
    file: "cmd/server.go",
    source: `${header("//")}
package main

import "fmt"

const Version = "1.2.0"

var verbose = false

type Server struct {
	Addr string
}

type Handler interface {
	Serve(req string) string
}

func (s *Server) Start(port int) error {
	fmt.Println(s.Addr, port)
	return nil
}

func main() {
	s := &Server{Addr: "localhost"}
	_ = s.Start(8080)
}
`,
    expected: [
      ["const Version", "const Version", 0],
      ["var verbose", "var verbose", 0],
      ["type Server struct", "struct Server", 0],
      ["type Handler interface", "interface Handler", 0],
      ["func (s *Server) Start", "method (*Server).Start(port int)", 0],
      ["func main()", "function main()", 0],
    ],
  },
  {
    file: "src/geometry.rs",
    source: `${header("//")}
use std::fmt;

pub const ORIGIN: Point = Point { x: 0, y: 0 };

#[derive(Debug, Clone)]
pub struct Point {
    pub x: i64,
    pub y: i64,
}

pub enum Shape {
    Circle(i64),
    Square(i64),
}

pub trait Area {
    fn area(&self) -> f64;
}

impl Area for Shape {
    fn area(&self) -> f64 {
        0.0
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

pub fn distance(a: &Point, b: &Point) -> i64 {
    (a.x - b.x).abs() + (a.y - b.y).abs()
}
`,
    expected: [
      ["pub const ORIGIN", "const ORIGIN", 0],
      ["pub struct Point", "struct Point", 0],
      ["pub enum Shape", "enum Shape", 0],
      ["pub trait Area", "trait Area", 0],
      ["fn area(&self) -> f64;", "method area(&self)", 1],
      ["impl Area for Shape", "impl Area for Shape", 0],
      ["impl fmt::Display for Point", "impl fmt::Display for Point", 0],
      ["fn fmt(&self", "method fmt(&self, f: &mut fmt::Formatter)", 1],
      ["pub fn distance", "function distance(a: &Point, b: &Point)", 0],
    ],
  },
  {
    file: "src/main/java/shop/Cart.java",
    source: `${header("//")}
package shop;

import java.util.ArrayList;
import java.util.List;

public class Cart {
    private final List<String> items = new ArrayList<>();

    public Cart(String owner) {
    }

    @Override
    public String toString() {
        return "Cart" + items;
    }

    public int add(String item, int quantity) {
        items.add(item);
        return items.size();
    }

    enum Status { OPEN, PAID }

    record Line(String sku, int quantity) {}
}

interface Checkout {
    void pay(Cart cart);
}
`,
    expected: [
      ["public class Cart", "class Cart", 0],
      ["public Cart(String owner)", "constructor Cart(String owner)", 1],
      ["public String toString()", "method toString()", 1],
      ["public int add(", "method add(String item, int quantity)", 1],
      ["enum Status", "enum Status", 1],
      ["record Line", "record Line(String sku, int quantity)", 1],
      ["interface Checkout", "interface Checkout", 0],
      ["void pay(Cart cart)", "method pay(Cart cart)", 1],
    ],
  },
  {
    file: "lib/list.c",
    source: `${header("/*")}
#include <stdlib.h>

#define LIST_MAX 128

typedef struct node {
    int value;
    struct node *next;
} node_t;

struct stats {
    int count;
};

int list_length(const node_t *head);

static node_t *
list_push(node_t *head, int value)
{
    node_t *n = malloc(sizeof *n);
    n->value = value;
    n->next = head;
    return n;
}

int main(int argc, char **argv)
{
    return list_length(list_push(NULL, argc));
}
`,
    expected: [
      ["#define LIST_MAX", "macro LIST_MAX", 0],
      ["} node_t;", "type node_t", 0],
      ["struct stats {", "struct stats", 0],
      ["int list_length(", "function list_length(const node_t *head)", 0],
      ["list_push(node_t *head", "function list_push(node_t *head, int value)", 0],
      ["int main(", "function main(int argc, char **argv)", 0],
    ],
  },
  {
    file: "src/shapes.cpp",
    source: `${header("//")}
#include <vector>

namespace geo {

class Shape {
public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
    int id() const { return id_; }
private:
    int id_ = 0;
};

struct Circle : Shape {
    double area() const override;
};

template <typename T>
T largest(const std::vector<T>& values) {
    return values.front();
}

double Circle::area() const { return 3.14; }

}  // namespace geo
`,
    expected: [
      ["namespace geo {", "namespace geo", 0],
      ["class Shape {", "class Shape", 1],
      ["virtual ~Shape()", "method ~Shape()", 2],
      ["virtual double area()", "method area()", 2],
      ["int id() const", "method id()", 2],
      ["struct Circle", "struct Circle", 1],
      ["T largest(", "function largest(const std::vector<T>& values)", 1],
      ["double Circle::area()", "function Circle::area()", 1],
    ],
  },
  {
    file: "Services/Billing.cs",
    source: `${header("//")}
using System;

namespace Shop.Services
{
    public interface IBilling
    {
        decimal Charge(string account, decimal amount);
    }

    public class Billing : IBilling
    {
        public Billing(string region) { }

        public decimal Charge(string account, decimal amount)
        {
            return amount;
        }
    }

    public enum Currency { Eur, Usd }
}
`,
    expected: [
      ["namespace Shop.Services", "namespace Shop.Services", 0],
      ["public interface IBilling", "interface IBilling", 1],
      ["decimal Charge(string account, decimal amount);", "method Charge(string account, decimal amount)", 2],
      ["public class Billing", "class Billing", 1],
      ["public Billing(string region)", "constructor Billing(string region)", 2],
      ["public decimal Charge(", "method Charge(string account, decimal amount)", 2],
      ["public enum Currency", "enum Currency", 1],
    ],
  },
  {
    file: "lib/inventory.rb",
    source: `${header("#")}
module Inventory
  class Item < Base
    LIMIT = 10

    def initialize(name, count)
      @name = name
      @count = count
    end

    def self.parse(line)
      new(*line.split(","))
    end
  end
end
`,
    expected: [
      ["module Inventory", "module Inventory", 0],
      ["class Item", "class Item", 1],
      ["LIMIT = 10", "const LIMIT", 2],
      ["def initialize", "method initialize(name, count)", 2],
      ["def self.parse", "method self.parse(line)", 2],
    ],
  },
  {
    file: "src/Repo.php",
    source: `<?php
${header("//")}
namespace App;

interface Repository
{
    public function find(int $id);
}

class UserRepository implements Repository
{
    const TABLE = 'users';

    public function find(int $id)
    {
        return null;
    }
}

function helper(string $name): string
{
    return $name;
}
`,
    expected: [
      ["interface Repository", "interface Repository", 0],
      ["public function find(int $id);", "method find(int $id)", 1],
      ["class UserRepository", "class UserRepository", 0],
      ["const TABLE", "const TABLE", 1],
      ["function helper(", "function helper(string $name)", 0],
    ],
  },
  {
    file: "scripts/deploy.sh",
    source: `#!/usr/bin/env bash
${header("#")}
set -euo pipefail

build() {
  echo "building"
}

function deploy {
  build
  echo "deploying"
}

deploy
`,
    expected: [
      ["build() {", "function build", 0],
      ["function deploy", "function deploy", 0],
    ],
  },
];
